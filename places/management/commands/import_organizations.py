from common.importing import ImportCommand
from places.importing import import_organizations


class Command(ImportCommand):
    help = (
        "Import organizations from CSV (external_id, name_th, kind, address or latitude/longitude, "
        "…). Matched on external_id; a dry run unless --commit; new ones pending unless --publish."
    )

    def add_import_arguments(self, parser):
        parser.add_argument("--publish", action="store_true", help="publish what is imported")
        parser.add_argument("--remote", action="store_true", help="also ask the remote geocoder")

    def run_import(self, path, *, commit, show_progress, publish, remote, **options):
        return import_organizations(
            path, commit=commit, publish=publish, use_remote=remote, show_progress=show_progress
        )
