from opportunities.importing import import_opportunities
from places.importing import LocatedImportCommand


class Command(LocatedImportCommand):
    help = (
        "Import opportunities from CSV (external_id, organization_external_id, title, causes, "
        "shifts, …). Matched on external_id; a dry run unless --commit; pending unless --publish."
    )
    importer = staticmethod(import_opportunities)
