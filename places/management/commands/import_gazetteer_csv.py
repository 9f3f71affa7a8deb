from places.management.commands._official_import import OfficialImportCommand
from places.official import import_gazetteer_csv


class Command(OfficialImportCommand):
    help = (
        "Import subdistrict points from a CSV (subdistrict_id, latitude, longitude; the data.go.th "
        "layout). A dry run unless --commit."
    )
    importer = staticmethod(import_gazetteer_csv)
