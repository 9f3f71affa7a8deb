from places.management.commands._official_import import OfficialImportCommand
from places.official import import_boundaries


class Command(OfficialImportCommand):
    help = (
        "Import official boundaries (UN OCHA COD-AB: shapefile, zipped shapefile or GeoJSON with "
        "ADM1/ADM2/ADM3_PCODE). A dry run unless --commit."
    )
    importer = staticmethod(import_boundaries)
