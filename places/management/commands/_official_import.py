from django.core.management.base import BaseCommand, CommandError

from places.official import ImportFileError


class OfficialImportCommand(BaseCommand):
    """A file in, a report out; a dry run unless --commit."""

    importer = None  # staticmethod(a function of places.official)

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--commit", action="store_true", help="save the changes")

    def handle(self, *args, path, commit, **options):
        try:
            show = options["verbosity"] > 0
            report = self.importer(path, commit=commit, show_progress=show)
        except ImportFileError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(report.format())
