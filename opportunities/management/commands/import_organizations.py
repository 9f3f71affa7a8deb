from opportunities.importing import import_organizations
from opportunities.management.commands._csv_import import CsvImportCommand


class Command(CsvImportCommand):
    help = (
        "Import organizations from CSV (external_id, name_th, kind, address or latitude/longitude, "
        "…). Matched on external_id; a dry run unless --commit; new ones pending unless --publish."
    )
    importer = staticmethod(import_organizations)
