from places.importing import LocatedImportCommand, import_organizations


class Command(LocatedImportCommand):
    help = (
        "Import organizations from CSV (external_id, name_th, kind, address or latitude/longitude, "
        "…). Matched on external_id; a dry run unless --commit; new ones pending unless --publish."
    )
    importer = staticmethod(import_organizations)
