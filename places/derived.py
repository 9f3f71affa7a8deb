"""Small tables derived from the official data, shipped with the package so that a default install
(no official files imported) still has them: simplified province outlines for maps without a base
layer, and a point inside every district and tambon for the default gazetteer. Regenerated with
`manage.py derive_package_data` from OPEN_DATA_DIR; the raw files are never committed (see
places/data/SOURCES.md for the source and the licence)."""

import csv
import json
from functools import cache
from pathlib import Path

import shapely
from shapely.geometry import mapping, shape
from shapely.ops import polylabel

DATA = Path(__file__).resolve().parent / "data"
PROVINCE_OUTLINES = DATA / "province_outlines.geojson"
AREA_POINTS = DATA / "area_points.csv"
ATTRIBUTION = (
    "Province outlines: UN OCHA COD-AB Thailand (Royal Thai Survey Department, 2019), "
    "CC BY-IGO; simplified"
)
POINT_DECIMALS = 5  # about a metre


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


def inner_point(geometry):
    """A point well inside an area: its centroid when the area holds it (the point nearest, on
    average, to anywhere in it), else the pole of inaccessibility of its largest part (a
    crescent's or an archipelago's centroid lies outside)."""
    centroid = geometry.centroid
    if geometry.contains(centroid):
        return centroid
    largest = max(getattr(geometry, "geoms", [geometry]), key=lambda part: part.area)
    return polylabel(largest, tolerance=0.0005)


def write_area_points(adm2_geojson: Path, adm3_geojson: Path) -> int:
    """One point inside each COD-AB district and subdistrict polygon, with its DOPA code (the
    P-code's digits), checked to lie inside at the precision written; returns the number."""
    rows = []
    for path, field in ((adm2_geojson, "ADM2_PCODE"), (adm3_geojson, "ADM3_PCODE")):
        for feature in json.loads(Path(path).read_text(encoding="utf-8"))["features"]:
            geometry = shape(feature["geometry"])
            point = inner_point(geometry)
            lon, lat = round(point.x, POINT_DECIMALS), round(point.y, POINT_DECIMALS)
            if not geometry.contains(shapely.Point(lon, lat)):  # narrower than the rounding
                lon, lat = point.x, point.y
            rows.append((feature["properties"][field].removeprefix("TH"), lat, lon))
    rows.sort()
    with AREA_POINTS.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["code", "lat", "lon"])
        writer.writerows(rows)
    return len(rows)


def area_points() -> dict[str, tuple[float, float]]:
    """The shipped district and tambon points: {DOPA code (as in COD-AB, 2019): (lat, lon)}."""
    with AREA_POINTS.open(encoding="utf-8") as handle:
        return {
            row["code"]: (float(row["lat"]), float(row["lon"])) for row in csv.DictReader(handle)
        }


@cache
def province_outlines() -> str:
    """The shipped outlines, as GeoJSON text."""
    return PROVINCE_OUTLINES.read_text(encoding="utf-8")
