from common.importing import ImportCommand
from opportunities.importing import import_opportunities


class Command(ImportCommand):
    help = (
        "Import opportunities from CSV (external_id, organization_external_id, title, causes, "
        "shifts, …). Matched on external_id; a dry run unless --commit; pending unless --publish."
    )

    def add_import_arguments(self, parser):
        parser.add_argument("--publish", action="store_true", help="publish what is imported")
        parser.add_argument("--remote", action="store_true", help="also ask the remote geocoder")

    def run_import(self, path, *, commit, show_progress, publish, remote, **options):
        return import_opportunities(
            path, commit=commit, publish=publish, use_remote=remote, show_progress=show_progress
        )
