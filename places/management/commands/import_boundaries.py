from common.importing import ImportCommand
from places.official import import_boundaries


class Command(ImportCommand):
    help = (
        "Import official boundaries (UN OCHA COD-AB: shapefile, zipped shapefile or GeoJSON with "
        "ADM1/ADM2/ADM3_PCODE). A dry run unless --commit."
    )
    importer = staticmethod(import_boundaries)
