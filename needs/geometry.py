"""Affected areas of incidents: a GeoJSON (Multi)Polygon read by hand (no crs, no other geometry),
or an uploaded file (GeoJSON, zipped shapefile) read through common.vectorfiles."""

import shapely
from django.contrib.gis.geos import MultiPolygon
from django.utils.translation import gettext as _

from common import vectorfiles
from places.official import as_multipolygon

MAX_VERTICES = 200_000
THAILAND_NEAR = (96.0, 4.5, 107.0, 21.5)  # Thailand's extent and a margin


class AreaError(ValueError):
    pass


def _checked(geometry: MultiPolygon) -> MultiPolygon:
    if geometry.empty:
        raise AreaError(_("The area is empty."))
    if geometry.num_coords > MAX_VERTICES:
        raise AreaError(
            _("An area has at most %(limit)s vertices: simplify it.")
            % {"limit": f"{MAX_VERTICES:,}"}
        )
    x0, y0, x1, y1 = geometry.extent
    west, south, east, north = THAILAND_NEAR
    if x0 < west or x1 > east or y0 < south or y1 > north:
        raise AreaError(
            _("The area must lie in and around Thailand (longitude, latitude in WGS 84).")
        )
    return geometry


def from_geojson(data) -> MultiPolygon:
    if not isinstance(data, dict) or data.get("type") not in ("Polygon", "MultiPolygon"):
        raise AreaError(
            _('A GeoJSON Polygon or MultiPolygon: {"type": "Polygon", "coordinates": …}')
        )
    if set(data) - {"type", "coordinates"}:
        raise AreaError(_("Only type and coordinates are accepted (no crs)."))
    try:
        geometry = vectorfiles.geometry_from_geojson(data)
    except (ValueError, TypeError, AttributeError, IndexError, shapely.errors.ShapelyError):
        raise AreaError(_("The coordinates do not make polygons.")) from None
    area = as_multipolygon(geometry)
    if area is None:
        raise AreaError(_("The coordinates do not make polygons."))
    return _checked(area)


def from_upload(upload) -> MultiPolygon:
    """The union of the polygons in an uploaded GeoJSON file or zipped shapefile."""
    parts = []
    try:
        with vectorfiles.read(upload, limits=vectorfiles.UPLOAD_LIMITS) as layer:
            for feature in layer:
                if feature.geometry is None or feature.geometry.empty:
                    continue
                polygons = as_multipolygon(feature.geometry)
                if polygons is not None:
                    parts.extend(polygons)
    except vectorfiles.VectorFileError as exc:
        raise AreaError(str(exc)) from None
    if not parts:
        raise AreaError(_("The file has no polygons."))
    merged = MultiPolygon(parts, srid=4326).unary_union
    return _checked(as_multipolygon(merged))
