from django.core.management.base import BaseCommand, CommandError

from opportunities.importing import FileError


class CsvImportCommand(BaseCommand):
    importer = None  # staticmethod(a function of opportunities.importing)

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--commit", action="store_true", help="save the changes")
        parser.add_argument("--publish", action="store_true", help="publish what is imported")
        parser.add_argument("--remote", action="store_true", help="also ask the remote geocoder")

    def handle(self, *args, path, commit, publish, remote, **options):
        try:
            report = self.importer(
                path,
                commit=commit,
                publish=publish,
                use_remote=remote,
                show_progress=options["verbosity"] > 0,
            )
        except FileError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(report.format())
