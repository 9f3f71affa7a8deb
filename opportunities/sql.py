"""Raw SQL of the opportunities app: the shifts of a bulk import (compared and replaced in the
database, as the bulk upsert of their opportunities is), the map's tiles, and the published rule
for other apps' raw queries."""

from django.db import connection

# OpportunityQuerySet.published() for raw SQL whose opportunity is `o` and that passes `today`:
# the coverage's nearest-first scans need it inline to follow the location index. The ORM builds
# it everywhere else; tests/test_architecture.py proves both choose the same rows.
PUBLISHED_OPPORTUNITY = """
    o.status = 'published'
    AND (o.ends_on IS NULL OR o.ends_on >= %(today)s)
    AND EXISTS (SELECT 1 FROM places_organization g
                WHERE g.id = o.organization_id AND g.status = 'published')
"""

_STAGE = """
    CREATE TEMP TABLE staging_shifts
        (external_id text, starts_at timestamptz, ends_at timestamptz, capacity integer)
    ON COMMIT DROP
"""
_SHIFT_LIST = (
    "array_agg(ROW({s}starts_at, {s}ends_at, {s}capacity)::text"
    " ORDER BY {s}starts_at, {s}ends_at, {s}capacity)"
)
_CHANGED = f"""
    WITH incoming AS (
        SELECT external_id, {_SHIFT_LIST.format(s="")} AS shifts
        FROM staging_shifts GROUP BY external_id
    ), stored AS (
        SELECT o.external_id, {_SHIFT_LIST.format(s="s.")} AS shifts
        FROM opportunities_shift s JOIN opportunities_opportunity o ON o.id = s.opportunity_id
        WHERE o.external_id = ANY(%(ids)s) GROUP BY o.external_id
    )
    SELECT o.id, o.external_id FROM opportunities_opportunity o
    LEFT JOIN incoming i ON i.external_id = o.external_id
    LEFT JOIN stored s ON s.external_id = o.external_id
    WHERE o.external_id = ANY(%(ids)s) AND i.shifts IS DISTINCT FROM s.shifts
"""
_DELETE = "DELETE FROM opportunities_shift WHERE opportunity_id = ANY(%(ids)s)"
_INSERT = """
    INSERT INTO opportunities_shift (opportunity_id, starts_at, ends_at, capacity)
    SELECT o.id, st.starts_at, st.ends_at, st.capacity
    FROM staging_shifts st JOIN opportunities_opportunity o ON o.external_id = st.external_id
    WHERE o.id = ANY(%(ids)s)
"""


def sync_shifts(shifts_by_external_id: dict[str, list]) -> dict[str, int]:
    """Make the stored shifts of these opportunities what the file says; returns {external_id: id}
    of the opportunities whose shifts changed."""
    with connection.cursor() as cursor:
        raw = cursor.cursor
        raw.execute(_STAGE)
        with raw.copy(
            "COPY staging_shifts (external_id, starts_at, ends_at, capacity) FROM STDIN"
        ) as copy:
            for external_id, shifts in shifts_by_external_id.items():
                for start, end, capacity in shifts:
                    copy.write_row([external_id, start, end, capacity])
        raw.execute(_CHANGED, {"ids": list(shifts_by_external_id)})
        changed = {external_id: pk for pk, external_id in raw.fetchall()}
        if changed:
            raw.execute(_DELETE, {"ids": list(changed.values())})
            raw.execute(_INSERT, {"ids": list(changed.values())})
        raw.execute("DROP TABLE staging_shifts")
    return changed


# --- the map's cluster pyramid and tiles ------------------------------------------------------
# The ORM cannot group by a Web Mercator grid nor build GeoJSON inside PostgreSQL; measured, JSON
# built by the database costs a few microseconds a feature against hundreds in Python. The filtered
# point sets come from the ORM (the API's filters), as {points} with their own %s parameters; every
# placeholder here is positional, in the order the functions of opportunities.tiles pass them.

MERCATOR_HALF = 20037508.342789244
CELL_BITS = 3  # 8 × 8 cells per tile
_CELL_X = f"floor((ST_X(m) + {MERCATOR_HALF}) / (2 * {MERCATOR_HALF}) * %s)::int"
_CELL_Y = f"floor(({MERCATOR_HALF} - ST_Y(m)) / (2 * {MERCATOR_HALF}) * %s)::int"

# The finest overview from the points. Parameters: layer, z, cells, cells, then {points}'s.
PYRAMID_BASE = f"""
    INSERT INTO opportunities_mapcell (layer, z, x, y, n, sum_lon, sum_lat, causes)
    SELECT %s, %s, {_CELL_X}, {_CELL_Y}, count(*), sum(lon), sum(lat),
           ARRAY[{{cause_counts}}]::int[]
    FROM (
        SELECT ST_Transform(location::geometry, 3857) AS m,
               ST_X(location::geometry) AS lon, ST_Y(location::geometry) AS lat, causes
        FROM ({{points}}) AS points
    ) AS p
    GROUP BY 3, 4
"""
# Each coarser level from the one below: a cell is its four children. Parameters: z, layer, z.
PYRAMID_UP = """
    INSERT INTO opportunities_mapcell (layer, z, x, y, n, sum_lon, sum_lat, causes)
    SELECT layer, %s, x >> 1, y >> 1, sum(n), sum(sum_lon), sum(sum_lat),
           ARRAY[{cause_sums}]::int[]
    FROM opportunities_mapcell WHERE layer = %s AND z = %s + 1
    GROUP BY layer, x >> 1, y >> 1
"""
CLEAR_PYRAMID = "DELETE FROM opportunities_mapcell WHERE layer = %s"

# Parameters: layer, z, x0, x1, y0, y1. {count}: n, or causes[i] for one cause.
CLUSTER_TILE = """
    SELECT json_build_object('type', 'FeatureCollection', 'features', coalesce(json_agg(
        json_build_object('type', 'Feature',
            'geometry', json_build_object('type', 'Point', 'coordinates',
                json_build_array(round((sum_lon / n)::numeric, 5),
                                 round((sum_lat / n)::numeric, 5))),
            'properties', json_build_object('cluster', true, 'count', {count}, 'causes', causes))
    ), '[]'::json))::text
    FROM opportunities_mapcell
    WHERE layer = %s AND z = %s AND x BETWEEN %s AND %s AND y BETWEEN %s AND %s AND {count} > 0
"""
# Clusters of a filtered set, counted live. Parameters: {points}'s, then cells, cells.
LIVE_CLUSTER_TILE = f"""
    SELECT json_build_object('type', 'FeatureCollection', 'features', coalesce(json_agg(
        json_build_object('type', 'Feature',
            'geometry', json_build_object('type', 'Point', 'coordinates',
                json_build_array(round(lon::numeric, 5), round(lat::numeric, 5))),
            'properties', json_build_object('cluster', true, 'count', n))
    ), '[]'::json))::text
    FROM (
        SELECT count(*) AS n,
               avg(ST_X(location::geometry)) AS lon, avg(ST_Y(location::geometry)) AS lat
        FROM (SELECT location, ST_Transform(location::geometry, 3857) AS m
              FROM ({{points}}) AS p) AS q
        GROUP BY {_CELL_X.replace("::int", "")}, {_CELL_Y.replace("::int", "")}
    ) AS c
"""
# The points, and whether there were more than the cap. Parameters: cap, {points}'s, cap.
POINT_TILE = """
    SELECT json_build_object(
               'type', 'FeatureCollection', 'features', coalesce(json_agg(f), '[]'::json))::text,
           count(*) > %s
    FROM (
        SELECT json_build_object('type', 'Feature', 'id', id,
            'geometry', ST_AsGeoJSON(location::geometry, 6)::json,
            'properties', json_build_object({properties})) AS f
        FROM ({points}) AS p
        LIMIT %s + 1
    ) AS features
"""
