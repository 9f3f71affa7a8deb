from common.importing import ImportCommand
from places.official import import_gazetteer_csv


class Command(ImportCommand):
    help = (
        "Import subdistrict points from a CSV (subdistrict_id, latitude, longitude; the data.go.th "
        "layout). A dry run unless --commit."
    )
    importer = staticmethod(import_gazetteer_csv)
