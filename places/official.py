"""Imports of official data: UN OCHA COD-AB boundaries (read with GDAL) and tables of
subdistrict points (the data.go.th layout). Both are transactional, idempotent by DOPA code,
and dry runs unless `commit` is true; each returns an ImportReport with line / feature numbers.
"""

import math
import re
from pathlib import Path

from django.contrib.gis.geos import GEOSGeometry, MultiPolygon, Point
from django.db import transaction
from django.utils import timezone
from geothai.abolished import abolished_areas

from common import thailand, vectorfiles
from common.importing import FileError, ImportReport, open_csv, progress
from geocoding.service import forget_gazetteer
from places import locating, sql
from places.models import CODE_LENGTH, Area, Level, PointSource

PCODE_FIELDS = {
    "ADM3_PCODE": Level.TAMBON,
    "ADM2_PCODE": Level.AMPHOE,
    "ADM1_PCODE": Level.PROVINCE,
}
_PCODE = re.compile(r"^TH(\d{2}(?:\d{2}(?:\d{2})?)?)$")


def renumbered_codes() -> dict[str, str]:
    """Abolished DOPA codes that have exactly one successor: old records may still hold them."""
    return {a.code: a.successors[0] for a in abolished_areas() if len(a.successors) == 1}


def touch(areas):
    """bulk_update skips auto_now; the geocoder's reload check reads updated_at."""
    now = timezone.now()
    for area in areas:
        area.updated_at = now


def _resolve_code(code: str, known: dict, renumbered: dict, report: ImportReport, line: int):
    if code in known:
        return code
    successor = renumbered.get(code)
    if successor in known:
        report.notes.append(
            f"line {line}: code {code} was abolished; imported as its successor {successor}"
        )
        return successor
    return None


def as_multipolygon(geometry: GEOSGeometry) -> MultiPolygon | None:
    """The polygons of a geometry, repaired if invalid; None if it has none."""
    if not geometry.valid:
        geometry = geometry.make_valid()
    if geometry.geom_type == "Polygon":
        return MultiPolygon(geometry, srid=4326)
    if geometry.geom_type == "MultiPolygon":
        return geometry
    if geometry.geom_type == "GeometryCollection":
        parts = [p for g in geometry if g.geom_type == "Polygon" for p in [g]]
        parts += [p for g in geometry if g.geom_type == "MultiPolygon" for p in g]
        return MultiPolygon(parts, srid=4326) if parts else None
    return None


def import_boundaries(path, *, commit=False, show_progress=False) -> ImportReport:
    """Boundaries of one level (the level is found from ADM3/ADM2/ADM1_PCODE) from a shapefile,
    zipped shapefile or GeoJSON. Stores the polygons, their subdivided parts, and a point on the
    surface for every area whose point is missing, borrowed, or outside the new boundary."""
    path = Path(path)
    report = ImportReport(source=str(path))
    try:
        with (
            vectorfiles.read(path, limits=vectorfiles.OFFICIAL_LIMITS) as layer,
            transaction.atomic(),
        ):
            _import_boundary_features(layer, path, report, show_progress)
            locating.follow_area_points(report)
            report.committed = commit
            if not commit:
                transaction.set_rollback(True)
    except vectorfiles.VectorFileError as exc:
        raise FileError(str(exc)) from None
    forget_gazetteer()
    return report


def _import_boundary_features(layer, path, report, show_progress):
    field = next((f for f in PCODE_FIELDS if f in layer.fields), None)
    if field is None:
        raise FileError(f"{path}: no ADM1_PCODE, ADM2_PCODE or ADM3_PCODE field ({layer.fields})")
    level = PCODE_FIELDS[field]
    known = {a.code: a for a in Area.objects.filter(level=level)}
    renumbered = renumbered_codes()
    seen, changed = set(), []
    features = progress(layer, total=len(layer), description="boundaries", enabled=show_progress)
    for feature in features:
        number = feature.number
        report.read += 1
        pcode = str(feature.properties.get(field) or "").strip()
        match = _PCODE.match(pcode)
        if not match or len(match[1]) != CODE_LENGTH[level]:
            report.reject(
                number,
                f"{field}={pcode!r} is not a {level} P-code like TH{'5' * CODE_LENGTH[level]}",
            )
            continue
        code = _resolve_code(match[1], known, renumbered, report, number)
        if code is None:
            report.reject(
                number,
                f"{pcode}: DOPA code {match[1]} is not in the gazetteer "
                "(run load_gazetteer first?)",
            )
            continue
        if code in seen:
            report.reject(number, f"{pcode}: a second boundary for the same area")
            continue
        seen.add(code)
        geometry = feature.geometry
        boundary = None if geometry is None or geometry.empty else as_multipolygon(geometry)
        if boundary is None or boundary.empty:
            report.reject(number, f"{pcode}: empty or non-polygonal geometry")
            continue
        if not thailand.near_thailand(*boundary.extent, margin=1):
            report.reject(
                number, f"{pcode}: geometry lies outside Thailand (extent {boundary.extent})"
            )
            continue
        area = known[code]
        if area.boundary is not None and area.boundary.equals_exact(boundary, 1e-12):
            report.unchanged += 1
            continue
        area.boundary = boundary
        if (
            area.point is None
            or area.point_source == PointSource.PARENT
            or not boundary.covers(area.point)
        ):
            area.point = boundary.point_on_surface
            area.point_source, area.point_level = PointSource.BOUNDARY, area.level
        changed.append(area)
        report.updated += 1
    touch(changed)
    Area.objects.bulk_update(
        changed,
        ["boundary", "point", "point_source", "point_level", "updated_at"],
        batch_size=200,
    )
    sql.rebuild_parts([a.code for a in changed])
    sql.inherit_parent_points()
    if len(known) - len(seen):
        report.notes.append(
            f"{len(known) - len(seen)} {level} areas of the gazetteer have no boundary in this file"
        )


def utm_srid(lon: float) -> int:
    """WGS 84 / UTM 47N west of 102°E, 48N east of it: Thailand's two zones."""
    return 32647 if lon < 102 else 32648


def metres_apart(geometry: GEOSGeometry, point: Point) -> float:
    srid = utm_srid(point.x)
    return geometry.transform(srid, clone=True).distance(point.transform(srid, clone=True))


def _coordinate(value: str) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def import_gazetteer_csv(path, *, commit=False, show_progress=False) -> ImportReport:
    """Subdistrict points from a CSV with columns subdistrict_id, latitude, longitude (the
    data.go.th layout; other columns are ignored). A point outside its tambon's official
    boundary, when one is loaded, is rejected: the boundary's own point stays."""
    path = Path(path)
    report = ImportReport(source=str(path))
    handle, reader = open_csv(path, {"subdistrict_id", "latitude", "longitude"})
    known = {a.code: a for a in Area.objects.tambons()}
    renumbered = renumbered_codes()
    changed, seen = [], {}
    with handle, transaction.atomic():
        for row in progress(reader, description="subdistrict points", enabled=show_progress):
            line = reader.line_num
            report.read += 1
            raw_code = (row["subdistrict_id"] or "").strip()
            if not re.fullmatch(r"\d{6}", raw_code):
                report.reject(line, f"subdistrict_id {raw_code!r} is not a 6-digit DOPA code")
                continue
            code = _resolve_code(raw_code, known, renumbered, report, line)
            if code is None:
                report.reject(line, f"subdistrict {raw_code} is not in the gazetteer")
                continue
            lat, lon = _coordinate(row["latitude"]), _coordinate(row["longitude"])
            if lat is None or lon is None:
                report.reject(
                    line,
                    f"{code}: no usable latitude/longitude "
                    f"({row['latitude']!r}, {row['longitude']!r})",
                )
                continue
            if not thailand.in_thailand(lat, lon):
                swapped = thailand.looks_swapped(lat, lon)
                report.reject(
                    line,
                    f"{code}: ({lat}, {lon}) is outside Thailand"
                    + ("; latitude and longitude look swapped" if swapped else ""),
                )
                continue
            if code in seen:
                report.reject(line, f"{code}: already given on line {seen[code]}")
                continue
            seen[code] = line
            area, point = known[code], Point(lon, lat, srid=4326)
            if area.boundary is not None and not area.boundary.covers(point):
                km = metres_apart(area.boundary, point) / 1000
                report.reject(
                    line,
                    f"{code}: point lies about {km:.1f} km outside the tambon's official boundary",
                )
                continue
            if area.point_source == PointSource.OFFICIAL_POINT and area.point.equals_exact(
                point, 1e-9
            ):
                report.unchanged += 1
                continue
            area.point, area.point_source, area.point_level = (
                point,
                PointSource.OFFICIAL_POINT,
                Level.TAMBON,
            )
            changed.append(area)
            report.updated += 1
        touch(changed)
        Area.objects.bulk_update(
            changed, ["point", "point_source", "point_level", "updated_at"], batch_size=500
        )
        locating.follow_area_points(report)
        report.committed = commit
        if not commit:
            transaction.set_rollback(True)
    forget_gazetteer()
    return report
