from django.core.management.base import BaseCommand, CommandError

from places.official import ImportFileError, import_gazetteer_csv


class Command(BaseCommand):
    help = (
        "Import subdistrict points from a CSV (subdistrict_id, latitude, longitude; the data.go.th "
        "layout). A dry run unless --commit."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--commit", action="store_true", help="save the changes")

    def handle(self, *args, path, commit, **options):
        try:
            report = import_gazetteer_csv(
                path, commit=commit, show_progress=options["verbosity"] > 0
            )
        except ImportFileError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(report.format())
