"""Affected areas of incidents: a GeoJSON (Multi)Polygon read by hand with shapely (no crs, no
other geometry), or a file (GeoJSON, shapefile, zipped shapefile) read by GDAL."""

import tempfile
from pathlib import Path

import shapely
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon
from shapely.geometry import shape

from places.official import ImportFileError, as_multipolygon, open_vector

MAX_VERTICES = 200_000
THAILAND_NEAR = (96.0, 4.5, 107.0, 21.5)  # Thailand's extent and a margin


class AreaError(ValueError):
    pass


def _checked(geometry: MultiPolygon) -> MultiPolygon:
    if geometry.empty:
        raise AreaError("the area is empty")
    if geometry.num_coords > MAX_VERTICES:
        raise AreaError(f"at most {MAX_VERTICES:,} vertices; simplify the area")
    x0, y0, x1, y1 = geometry.extent
    west, south, east, north = THAILAND_NEAR
    if x0 < west or x1 > east or y0 < south or y1 > north:
        raise AreaError("the area must lie in and around Thailand (longitude, latitude in WGS 84)")
    return geometry


def from_geojson(data) -> MultiPolygon:
    if not isinstance(data, dict) or data.get("type") not in ("Polygon", "MultiPolygon"):
        raise AreaError('a GeoJSON Polygon or MultiPolygon: {"type": "Polygon", "coordinates": …}')
    if set(data) - {"type", "coordinates"}:
        raise AreaError("only type and coordinates are accepted")
    try:
        geometry = shape(data)
    except (ValueError, TypeError, AttributeError, IndexError, shapely.errors.ShapelyError):
        raise AreaError("the coordinates do not make polygons") from None
    if not geometry.is_valid:
        geometry = shapely.make_valid(geometry)
    area = as_multipolygon(GEOSGeometry(memoryview(shapely.to_wkb(geometry)), srid=4326))
    if area is None:
        raise AreaError("the coordinates do not make polygons")
    return _checked(area)


def from_upload(upload) -> MultiPolygon:
    """The union of the polygons in an uploaded GeoJSON file or (zipped) shapefile."""
    suffix = Path(upload.name).suffix.lower()
    if suffix not in (".geojson", ".json", ".zip"):
        raise AreaError("upload a .geojson file or a zipped shapefile (.zip)")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"area{suffix}"
        with path.open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        try:
            source = open_vector(path)
        except ImportFileError as exc:
            raise AreaError(str(exc).replace(str(path), upload.name)) from None
        parts = []
        for layer in source:
            srs = layer.srs
            transform = srs is not None and srs.srid not in (None, 4326)
            if srs is not None and srs.srid is None and not srs.geographic:
                raise AreaError(f"{upload.name}: unknown coordinate reference system {srs.name!r}")
            for feature in layer:
                geometry = feature.geom
                if geometry.empty:
                    continue
                if transform:
                    geometry.transform(4326)
                polygons = as_multipolygon(GEOSGeometry(geometry.wkb, srid=4326))
                if polygons is not None:
                    parts.extend(polygons)
    if not parts:
        raise AreaError("the file has no polygons")
    merged = MultiPolygon(parts, srid=4326).unary_union
    return _checked(as_multipolygon(merged))
