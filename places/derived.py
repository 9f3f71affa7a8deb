"""Small tables derived from the official data, shipped with the package so that a default install
(no official files imported) still has them: simplified province outlines for maps without a base
layer. Regenerated with `manage.py derive_package_data` from OPEN_DATA_DIR; the raw files are never
committed (see places/data/SOURCES.md for the source and the licence)."""

import json
from functools import cache
from pathlib import Path

import shapely
from shapely.geometry import mapping, shape

DATA = Path(__file__).resolve().parent / "data"
PROVINCE_OUTLINES = DATA / "province_outlines.geojson"
ATTRIBUTION = (
    "Province outlines: UN OCHA COD-AB Thailand (Royal Thai Survey Department, 2019), "
    "CC BY-IGO; simplified"
)


def write_province_outlines(adm1_geojson: Path, tolerance=0.01) -> int:
    """Simplify the COD-AB provinces (GeoJSON, EPSG:4326) to about a kilometre and write them
    with their DOPA codes; returns the number of provinces."""
    source = json.loads(Path(adm1_geojson).read_text(encoding="utf-8"))
    features = []
    for feature in source["features"]:
        properties = feature["properties"]
        geometry = shape(feature["geometry"]).simplify(tolerance, preserve_topology=True)
        geometry = shapely.set_precision(geometry, 0.001)
        code = properties["ADM1_PCODE"].removeprefix("TH")
        features.append(
            {
                "type": "Feature",
                "id": code,
                "properties": {
                    "code": code,
                    "name_th": properties.get("ADM1_TH", ""),
                    "name_en": properties.get("ADM1_EN", ""),
                },
                "geometry": mapping(geometry),
            }
        )
    features.sort(key=lambda f: f["id"])
    document = {"type": "FeatureCollection", "attribution": ATTRIBUTION, "features": features}
    PROVINCE_OUTLINES.write_text(
        json.dumps(document, ensure_ascii=False, separators=(",", ":")), encoding="utf-8"
    )
    return len(features)


@cache
def province_outlines() -> str:
    """The shipped outlines, as GeoJSON text."""
    return PROVINCE_OUTLINES.read_text(encoding="utf-8")
