from django.core.management.base import BaseCommand, CommandError

from places.official import ImportFileError, import_boundaries


class Command(BaseCommand):
    help = (
        "Import official boundaries (UN OCHA COD-AB: shapefile, zipped shapefile or GeoJSON with "
        "ADM1/ADM2/ADM3_PCODE). A dry run unless --commit."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--commit", action="store_true", help="save the changes")

    def handle(self, *args, path, commit, **options):
        try:
            report = import_boundaries(path, commit=commit, show_progress=options["verbosity"] > 0)
        except ImportFileError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(report.format())
