"""Raw SQL of the opportunities app: the shifts of a bulk import (compared and replaced in the
database, as the bulk upsert of their opportunities is), the map's tiles, and the published rule
for other apps' raw queries."""

from django.db import connection

from common.triggers import replaced
from places.models import OPEN_FOR_GOOD

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
# Clusters of a filtered set, counted live: only the cells of this tile (the bounding boxes that
# found the points reach a little past it, and a point is counted by the tile its cell is in).
# Parameters: cells, cells, {points}'s, then the tile's first and last cell across and down.
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
        FROM (SELECT location, {_CELL_X} AS x, {_CELL_Y} AS y
              FROM (SELECT location, ST_Transform(location::geometry, 3857) AS m
                    FROM ({{points}}) AS p) AS q) AS r
        WHERE x BETWEEN %s AND %s AND y BETWEEN %s AND %s
        GROUP BY x, y
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

# --- where the map changed: triggers that log points, and the pyramid brought up to date --------
# Statement-level triggers with transition tables: one INSERT … SELECT per statement, so that a
# bulk import of a million rows logs them in one go. An opportunity's place on the map depends on
# its point and on what makes it public (its status, last day, organization, and for per-cause
# counts its causes); an organization's on its point and status, and its status decides whether
# its opportunities are public.
MAP_CHANGE_TRIGGERS = (
    """
CREATE FUNCTION opportunities_map_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    the_layer text := CASE TG_TABLE_NAME WHEN 'places_organization' THEN 'organizations'
                                     ELSE 'opportunities' END;
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO opportunities_mapchange (layer, location)
        SELECT the_layer, location FROM new_rows WHERE location IS NOT NULL;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO opportunities_mapchange (layer, location)
        SELECT the_layer, location FROM old_rows WHERE location IS NOT NULL;
    ELSIF the_layer = 'opportunities' THEN
        INSERT INTO opportunities_mapchange (layer, location)
        SELECT the_layer, place FROM old_rows o JOIN new_rows n USING (id),
             LATERAL (VALUES (o.location), (n.location)) AS places (place)
        WHERE place IS NOT NULL
          AND (o.location::text, o.status, o.ends_on, o.causes, o.organization_id)
              IS DISTINCT FROM (n.location::text, n.status, n.ends_on, n.causes, n.organization_id);
    ELSE
        INSERT INTO opportunities_mapchange (layer, location)
        SELECT the_layer, place FROM old_rows o JOIN new_rows n USING (id),
             LATERAL (VALUES (o.location), (n.location)) AS places (place)
        WHERE place IS NOT NULL
          AND (o.location::text, o.status) IS DISTINCT FROM (n.location::text, n.status);
        -- An organization published or withdrawn: its opportunities appear or go with it.
        INSERT INTO opportunities_mapchange (layer, location)
        SELECT 'opportunities', p.location FROM opportunities_opportunity p
        JOIN new_rows n ON n.id = p.organization_id
        JOIN old_rows o ON o.id = n.id AND o.status IS DISTINCT FROM n.status
        WHERE p.location IS NOT NULL;
    END IF;
    RETURN NULL;
END $$;
"""
    + "".join(
        f"""
CREATE TRIGGER map_{table}_{event.lower()} AFTER {event} ON {table}
    REFERENCING {references} FOR EACH STATEMENT EXECUTE FUNCTION opportunities_map_changed();
"""
        for table in ("opportunities_opportunity", "places_organization")
        for event, references in (
            ("INSERT", "NEW TABLE AS new_rows"),
            ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
            ("DELETE", "OLD TABLE AS old_rows"),
        )
    )
    + """
INSERT INTO opportunities_mapchange (layer, location)
VALUES ('opportunities', NULL), ('organizations', NULL);
CREATE SEQUENCE map_version;
"""
)
DROP_MAP_CHANGE_TRIGGERS = (
    "".join(
        f"DROP TRIGGER map_{table}_{event} ON {table};\n"
        for table in ("opportunities_opportunity", "places_organization")
        for event in ("insert", "update", "delete")
    )
    + "DROP FUNCTION opportunities_map_changed();\nDROP SEQUENCE map_version;\n"
)

# Take the logged changes of a layer: how many, whether one asks for the whole layer, and the
# finest cells (x, y) their points fall in. Parameters: layer, cells, cells.
TAKE_CHANGES = f"""
    WITH taken AS (DELETE FROM opportunities_mapchange WHERE layer = %s RETURNING location),
    cells AS (
        SELECT DISTINCT {_CELL_X} AS x, {_CELL_Y} AS y
        FROM (SELECT ST_Transform(location::geometry, 3857) AS m FROM taken
              WHERE location IS NOT NULL) AS p
    )
    SELECT (SELECT count(*) FROM taken), (SELECT coalesce(bool_or(location IS NULL), false)
                                          FROM taken),
           array(SELECT x FROM cells ORDER BY x, y), array(SELECT y FROM cells ORDER BY x, y)
"""
_CELLS = "unnest(%s::int[], %s::int[]) AS c (x, y)"
# Parameters: layer, z, x[], y[].
DELETE_CELLS = f"""
    DELETE FROM opportunities_mapcell m USING {_CELLS}
    WHERE m.layer = %s AND m.z = %s AND m.x = c.x AND m.y = c.y
"""
# The finest level again in these cells, from the points inside each (through the GiST index;
# a cell's box is widened a little, and each point counted in the cell its coordinates give).
# Parameters: layer, z, x[], y[], {points}'s, then cells four times (the box), twice (the cell).
_N = "%s::float8"
PYRAMID_CELLS = f"""
    INSERT INTO opportunities_mapcell (layer, z, x, y, n, sum_lon, sum_lat, causes)
    SELECT %s, %s, c.x, c.y, count(*), sum(p.lon), sum(p.lat), ARRAY[{{cause_counts}}]::int[]
    FROM {_CELLS}
    JOIN LATERAL (
        SELECT ST_Transform(location::geometry, 3857) AS m,
               ST_X(location::geometry) AS lon, ST_Y(location::geometry) AS lat, causes
        FROM ({{points}}) AS points
        WHERE location && ST_MakeEnvelope(
            c.x / {_N} * 360 - 180 - 1e-6,
            degrees(atan(sinh(pi() * (1 - 2 * (c.y + 1) / {_N})))) - 1e-6,
            (c.x + 1) / {_N} * 360 - 180 + 1e-6,
            degrees(atan(sinh(pi() * (1 - 2 * c.y / {_N})))) + 1e-6,
            4326)::geography
    ) AS p ON {_CELL_X.replace("ST_X(m)", "ST_X(p.m)")} = c.x
          AND {_CELL_Y.replace("ST_Y(m)", "ST_Y(p.m)")} = c.y
    GROUP BY c.x, c.y
"""
# Coarser cells again from their four children. Parameters: z, x[], y[], layer, z.
PYRAMID_UP_CELLS = """
    INSERT INTO opportunities_mapcell (layer, z, x, y, n, sum_lon, sum_lat, causes)
    SELECT m.layer, %s, c.x, c.y, sum(n), sum(sum_lon), sum(sum_lat), ARRAY[{cause_sums}]::int[]
    FROM unnest(%s::int[], %s::int[]) AS c (x, y)
    JOIN opportunities_mapcell m ON m.layer = %s AND m.z = %s + 1
        AND m.x BETWEEN 2 * c.x AND 2 * c.x + 1 AND m.y BETWEEN 2 * c.y AND 2 * c.y + 1
    GROUP BY m.layer, c.x, c.y
"""
CLEAR_CHANGES = "DELETE FROM opportunities_mapchange WHERE layer = %s"
BUMP_VERSION = "SELECT nextval('map_version')"
READ_VERSION = "SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM map_version"


# An organization's work as the directory filters it (places.Organization.work_causes and
# open_until), computed again for the organizations of every written opportunity, however
# written (saves, bulk updates, imports, SQL), once per statement.
ORGANIZATION_WORK_TRIGGERS = f"""
CREATE FUNCTION organization_work_refresh(ids bigint[]) RETURNS void LANGUAGE sql AS $$
    UPDATE places_organization g SET
        work_causes = coalesce((
            SELECT array_agg(DISTINCT c ORDER BY c)
            FROM opportunities_opportunity p CROSS JOIN unnest(p.causes) c
            WHERE p.organization_id = g.id AND p.status = 'published'), '{{}}'),
        open_until = (
            SELECT max(coalesce(p.ends_on, DATE '{OPEN_FOR_GOOD.isoformat()}'))
            FROM opportunities_opportunity p
            WHERE p.organization_id = g.id AND p.status = 'published')
    WHERE g.id = ANY(ids)
$$;
CREATE FUNCTION organization_work_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM organization_work_refresh(ARRAY(SELECT DISTINCT organization_id FROM new_rows));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM organization_work_refresh(ARRAY(SELECT DISTINCT organization_id FROM old_rows));
    ELSE
        PERFORM organization_work_refresh(ARRAY(
            SELECT unnest(ARRAY[o.organization_id, n.organization_id])
            FROM old_rows o JOIN new_rows n USING (id)
            WHERE (o.status, o.causes, o.ends_on, o.organization_id)
                  IS DISTINCT FROM (n.status, n.causes, n.ends_on, n.organization_id)));
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER organization_work_insert AFTER INSERT ON opportunities_opportunity
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION organization_work_changed();
CREATE TRIGGER organization_work_update AFTER UPDATE ON opportunities_opportunity
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION organization_work_changed();
CREATE TRIGGER organization_work_delete AFTER DELETE ON opportunities_opportunity
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION organization_work_changed();
SELECT organization_work_refresh(ARRAY(SELECT id FROM places_organization));
"""
# 0012: the same work computed in one grouped pass over the organizations' published
# opportunities, and written only where it changed (0010's function read each organization's
# opportunities in a subquery of its own, planned for a table still empty in a new database: a
# first import read the bitmap of every published row once per organization, 10,000 times for
# 50,000 opportunities); the changed organizations found by a query planned for the transition
# tables' sizes (common.triggers).
ORGANIZATION_WORK_PLANNED_EACH_TIME = f"""
CREATE OR REPLACE FUNCTION organization_work_refresh(ids bigint[]) RETURNS void LANGUAGE sql AS $$
    UPDATE places_organization g SET
        work_causes = coalesce(w.causes, '{{}}'), open_until = w.open_until
    FROM (SELECT DISTINCT id FROM unnest(ids) AS i (id)) AS i
    LEFT JOIN (
        SELECT p.organization_id,
               array_agg(DISTINCT c ORDER BY c) FILTER (WHERE c IS NOT NULL) AS causes,
               max(coalesce(p.ends_on, DATE '{OPEN_FOR_GOOD.isoformat()}')) AS open_until
        FROM opportunities_opportunity p LEFT JOIN LATERAL unnest(p.causes) AS c ON true
        WHERE p.organization_id = ANY(ids) AND p.status = 'published'
        GROUP BY p.organization_id
    ) AS w ON w.organization_id = i.id
    WHERE g.id = i.id
      AND (g.work_causes, g.open_until) IS DISTINCT FROM (coalesce(w.causes, '{{}}'), w.open_until)
$$;
CREATE OR REPLACE FUNCTION organization_work_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE ids bigint[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        ids := ARRAY(SELECT DISTINCT organization_id FROM new_rows);
    ELSIF TG_OP = 'DELETE' THEN
        ids := ARRAY(SELECT DISTINCT organization_id FROM old_rows);
    ELSE
        EXECUTE $q$
            SELECT ARRAY(
                SELECT DISTINCT unnest(ARRAY[o.organization_id, n.organization_id])
                FROM old_rows o JOIN new_rows n USING (id)
                WHERE (o.status, o.causes, o.ends_on, o.organization_id)
                      IS DISTINCT FROM (n.status, n.causes, n.ends_on, n.organization_id))
        $q$ INTO ids;
    END IF;
    IF cardinality(ids) > 0 THEN
        PERFORM organization_work_refresh(ids);
    END IF;
    RETURN NULL;
END $$;
"""
ORGANIZATION_WORK_AS_BEFORE = replaced(
    ORGANIZATION_WORK_TRIGGERS, "organization_work_refresh"
) + replaced(ORGANIZATION_WORK_TRIGGERS, "organization_work_changed")
DROP_ORGANIZATION_WORK_TRIGGERS = """
DROP TRIGGER organization_work_insert ON opportunities_opportunity;
DROP TRIGGER organization_work_update ON opportunities_opportunity;
DROP TRIGGER organization_work_delete ON opportunities_opportunity;
DROP FUNCTION organization_work_changed();
DROP FUNCTION organization_work_refresh(bigint[]);
"""


# An organization's tile also shows its names, type and trust: a change of those is a change on
# the map too (0007's function, which watched only its point and status, replaced in 0011).
_WATCHED_BEFORE = "(o.location::text, o.status) IS DISTINCT FROM (n.location::text, n.status)"
_WATCHED_NOW = (
    "(o.location::text, o.status, o.name_th, o.name_en, o.kind, o.verified, o.partner)\n"
    "              IS DISTINCT FROM\n"
    "          (n.location::text, n.status, n.name_th, n.name_en, n.kind, n.verified, n.partner)"
)
_MAP_FUNCTION = MAP_CHANGE_TRIGGERS[: MAP_CHANGE_TRIGGERS.index("END $$;") + len("END $$;")]
MAP_CHANGED_WATCHES_ORGANIZATIONS = _MAP_FUNCTION.replace(
    "CREATE FUNCTION", "CREATE OR REPLACE FUNCTION"
).replace(_WATCHED_BEFORE, _WATCHED_NOW)
MAP_CHANGED_AS_BEFORE = _MAP_FUNCTION.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION")
# 0012: the queries that join the transition tables planned for their sizes (common.triggers).
MAP_CHANGED_PLANNED_EACH_TIME = f"""
CREATE OR REPLACE FUNCTION opportunities_map_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    the_layer text := CASE TG_TABLE_NAME WHEN 'places_organization' THEN 'organizations'
                                     ELSE 'opportunities' END;
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO opportunities_mapchange (layer, location)
        SELECT the_layer, location FROM new_rows WHERE location IS NOT NULL;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO opportunities_mapchange (layer, location)
        SELECT the_layer, location FROM old_rows WHERE location IS NOT NULL;
    ELSIF the_layer = 'opportunities' THEN
        EXECUTE $q$
        INSERT INTO opportunities_mapchange (layer, location)
        SELECT 'opportunities', place FROM old_rows o JOIN new_rows n USING (id),
             LATERAL (VALUES (o.location), (n.location)) AS places (place)
        WHERE place IS NOT NULL
          AND (o.location::text, o.status, o.ends_on, o.causes, o.organization_id)
              IS DISTINCT FROM (n.location::text, n.status, n.ends_on, n.causes, n.organization_id)
        $q$;
    ELSE
        EXECUTE $q$
        INSERT INTO opportunities_mapchange (layer, location)
        SELECT 'organizations', place FROM old_rows o JOIN new_rows n USING (id),
             LATERAL (VALUES (o.location), (n.location)) AS places (place)
        WHERE place IS NOT NULL
          AND {_WATCHED_NOW}
        $q$;
        -- An organization published or withdrawn: its opportunities appear or go with it.
        EXECUTE $q$
        INSERT INTO opportunities_mapchange (layer, location)
        SELECT 'opportunities', p.location FROM opportunities_opportunity p
        WHERE p.location IS NOT NULL AND p.organization_id IN (
            SELECT n.id FROM old_rows o JOIN new_rows n USING (id)
            WHERE o.status IS DISTINCT FROM n.status)
        $q$;
    END IF;
    RETURN NULL;
END $$;
"""
