"""Raw SQL of the places app: where the ORM cannot say it."""

from django.db import connection

# ST_Subdivide has no ORM equivalent; pieces of at most 64 vertices keep point-in-polygon tests
# cheap (the approach of mapit's AreaManager).
_DELETE_PARTS = "DELETE FROM places_areapart WHERE area_id = ANY(%(codes)s)"
_INSERT_PARTS = """
    INSERT INTO places_areapart (area_id, geom)
    SELECT code, (ST_Dump(ST_Subdivide(boundary, 64))).geom
    FROM places_area
    WHERE code = ANY(%(codes)s) AND boundary IS NOT NULL;
"""


def rebuild_parts(codes):
    with connection.cursor() as cursor:
        cursor.execute(_DELETE_PARTS, {"codes": list(codes)})
        cursor.execute(_INSERT_PARTS, {"codes": list(codes)})


# Areas without a point of their own take their parent's, level by level from the top, so that a
# better parent point (an imported boundary, say) reaches every child that borrows it.
_INHERIT_PARENT_POINTS = """
    UPDATE places_area AS child
    SET point = parent.point, point_level = parent.point_level, point_source = 'parent',
        updated_at = now()
    FROM places_area AS parent
    WHERE child.parent_id = parent.code
      AND child.level = %(level)s
      AND child.point_source IN ('', 'parent')
      AND parent.point IS NOT NULL
      AND (child.point IS NULL OR NOT ST_Equals(child.point, parent.point)
           OR child.point_level <> parent.point_level)
"""


def inherit_parent_points():
    """Returns how many areas changed."""
    changed = 0
    with connection.cursor() as cursor:
        for level in ("amphoe", "tambon"):
            cursor.execute(_INHERIT_PARENT_POINTS, {"level": level})
            changed += cursor.rowcount
    return changed


# Things the geocoder placed at an area's point (their precision one of the gazetteer's levels)
# move with that point when a better one arrives, as if their address were geocoded again. The
# table name comes from the model registry, never from input.
_FOLLOW_AREA_POINTS = """
    UPDATE {table} AS located
    SET location = area.point::geography, precision = area.point_level
    FROM places_area AS area
    WHERE located.area_id = area.code
      AND located.precision IN ('tambon', 'amphoe', 'province')
      AND area.point IS NOT NULL
      AND (NOT ST_Equals(located.location::geometry, area.point)
           OR located.precision <> area.point_level)
"""


def follow_area_points(table: str) -> int:
    """Returns how many rows of the table moved."""
    with connection.cursor() as cursor:
        cursor.execute(_FOLLOW_AREA_POINTS.format(table=connection.ops.quote_name(table)))
        return cursor.rowcount


# Simplified province boundaries as one GeoJSON document, so that the map shows Thailand without
# a base layer (no internet, or none configured). Cached under the map's data version.
_PROVINCE_OUTLINES = """
    SELECT json_build_object('type', 'FeatureCollection', 'features', coalesce(json_agg(
        json_build_object('type', 'Feature', 'id', code,
            'geometry', ST_AsGeoJSON(ST_SimplifyPreserveTopology(boundary, 0.01), 4)::json,
            'properties', json_build_object('code', code, 'name_th', name_th, 'name_en', name_en))
    ), '[]'::json))::text
    FROM places_area WHERE level = 'province' AND boundary IS NOT NULL
"""


def province_outlines() -> str:
    """The imported official boundaries, simplified, cached until a province's boundary changes
    (import_boundaries); without them the outlines shipped with the package."""
    from django.core.cache import cache
    from django.db.models import Max

    from places import derived
    from places.models import Area

    if not Area.objects.provinces().with_boundary().exists():
        return derived.province_outlines()

    def build():
        with connection.cursor() as cursor:
            cursor.execute(_PROVINCE_OUTLINES)
            return cursor.fetchone()[0]

    changed = Area.objects.provinces().aggregate(at=Max("updated_at"))["at"]
    stamp = changed.timestamp() if changed else 0
    return cache.get_or_set(f"province-outlines:{stamp}", build, 86400)


_SIMPLIFIED = """
    SELECT code, ST_AsGeoJSON(ST_SimplifyPreserveTopology(boundary, %(tolerance)s), 5)
    FROM places_area WHERE level = %(level)s AND boundary IS NOT NULL
"""
SIMPLIFY_DEGREES = {"province": 0.01, "amphoe": 0.004, "tambon": 0.002}


def simplified_boundaries(level, codes) -> dict:
    """{code: GeoJSON geometry as text} of these areas' official boundaries, simplified for a map
    at the zoom their level is seen; areas without a boundary are left out. The whole level is built
    once and cached until one of its boundaries changes (import_boundaries)."""
    from django.core.cache import cache
    from django.db.models import Max

    from places.models import Area

    def build():
        with connection.cursor() as cursor:
            cursor.execute(_SIMPLIFIED, {"tolerance": SIMPLIFY_DEGREES[level], "level": level})
            return dict(cursor.fetchall())

    changed = Area.objects.filter(level=level).aggregate(at=Max("updated_at"))["at"]
    stamp = changed.timestamp() if changed else 0
    every = cache.get_or_set(f"boundaries-text:{level}:{stamp}", build, 86400)
    return {code: every[code] for code in codes if code in every}


# The two-letter pieces of a text (upper-cased, each once), for places.models.NameBigrams.
NAME_BIGRAMS = """
CREATE FUNCTION name_bigrams(t text) RETURNS text[]
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(DISTINCT substr(upper(t), i, 2)), '{}')
    FROM generate_series(1, length(t) - 1) AS i
$$;
"""
DROP_NAME_BIGRAMS = "DROP FUNCTION name_bigrams(text);"
