"""The coverage queries (see needs.coverage). Values travel as parameters; the published rule is
the opportunities app's own (opportunities.sql.PUBLISHED_OPPORTUNITY)."""

from common.triggers import replaced
from opportunities.sql import PUBLISHED_OPPORTUNITY as PUBLISHED

# The areas to compute, as geography points with a spatial index (all of them, or those near
# the places that changed).
AREAS_ALL = """
CREATE TEMP TABLE coverage_area AS
SELECT code, level, point::geography AS g FROM places_area WHERE point IS NOT NULL;
"""
AREAS_NEAR_DIRTY = """
CREATE TEMP TABLE coverage_area AS
SELECT DISTINCT a.code, a.level, a.point::geography AS g
FROM places_area a JOIN needs_coveragedirty d
  ON ST_DWithin(a.point::geography, d.point, d.radius_km * 1000)
WHERE a.point IS NOT NULL AND d.id <= %(dirty_upto)s;
"""
AREAS_INDEX = """
CREATE INDEX ON coverage_area USING gist (g);
ANALYZE coverage_area;
"""

# The published opportunities to count (all of them, or those in the provinces of the areas to
# compute), the free places on their shifts to come, and both summed per area code: each
# opportunity counts for its tambon, amphoe and province.
PUBLISHED_ALL = f"""
CREATE TEMP TABLE coverage_pub AS
SELECT o.id, o.area_id FROM opportunities_opportunity o
WHERE o.area_id IS NOT NULL AND {PUBLISHED};
ANALYZE coverage_pub;
"""
PUBLISHED_NEAR = f"""
CREATE TEMP TABLE coverage_pub AS
SELECT o.id, o.area_id
FROM (SELECT DISTINCT left(code, 2) AS province FROM coverage_area) p
JOIN opportunities_opportunity o ON o.area_id BETWEEN p.province AND p.province || '9999'
WHERE {PUBLISHED};
ANALYZE coverage_pub;
"""
COUNTS = """
CREATE TEMP TABLE coverage_free AS
SELECT s.opportunity_id AS id, sum(GREATEST(s.capacity - coalesce(c.n, 0), 0)) AS free
FROM opportunities_shift s
JOIN coverage_pub p ON p.id = s.opportunity_id
LEFT JOIN (SELECT shift_id, count(*) AS n FROM volunteers_signup
           WHERE status = 'confirmed' GROUP BY shift_id) c ON c.shift_id = s.id
WHERE s.starts_at > now()
GROUP BY s.opportunity_id;

CREATE TEMP TABLE coverage_counts AS
SELECT v.code, count(*) AS opportunities_in, coalesce(sum(f.free), 0) AS free_places
FROM coverage_pub p
LEFT JOIN coverage_free f ON f.id = p.id
CROSS JOIN LATERAL (
    SELECT DISTINCT unnest(ARRAY[p.area_id, left(p.area_id, 4), left(p.area_id, 2)])
) v(code)
GROUP BY v.code;
CREATE INDEX ON coverage_counts (code);
"""

# One row per area: the counts above; the opportunities near its point, read as the nearest
# near_cap in the geography index's nearest-first order (so both how many are within near_km, up
# to near_cap, and the nearest one, if within reach_km, so that a change reaches only the areas
# within reach_km of it); and the volunteers (who agreed to suggestions) whose travel radius
# reaches it. Volunteers at the same place with the same radius are counted together (homes are
# grid cells, radii a few values), and "reaches" is measured on the sphere (within 0.5 % of the
# spheroid): both make the join several times cheaper.
HELP = f"""
CREATE TEMP TABLE coverage_help AS
SELECT a.code, a.level,
  coalesce(c.opportunities_in, 0) AS opportunities_in,
  (SELECT count(*) FROM unnest(k.metres) m WHERE m <= %(near_km)s * 1000) AS opportunities_near,
  (SELECT min(m) / 1000 FROM unnest(k.metres) m WHERE m <= %(reach_km)s * 1000) AS nearest_km,
  coalesce(c.free_places, 0) AS free_places,
  0 AS volunteers
FROM coverage_area a
LEFT JOIN coverage_counts c ON c.code = a.code
CROSS JOIN LATERAL (
  SELECT array_agg(n.metres) AS metres FROM (
    SELECT ST_Distance(o.location, a.g) AS metres FROM opportunities_opportunity o
    WHERE o.location IS NOT NULL AND {PUBLISHED}
    ORDER BY o.location <-> a.g LIMIT %(near_cap)s) n
) k;

UPDATE coverage_help h SET volunteers = c.n
FROM (
  SELECT a.code, sum(v.n) AS n
  FROM (
    SELECT ST_GeogFromWKB(home) AS home, radius_km, n FROM (
      SELECT ST_AsBinary(v.home) AS home, v.travel_radius_km AS radius_km, count(*) AS n
      FROM volunteers_volunteer v
      WHERE v.home IS NOT NULL
        AND EXISTS (SELECT 1 FROM volunteers_consent c
                    WHERE c.user_id = v.user_id AND c.purpose = 'matching'
                      AND c.withdrawn_at IS NULL)
      GROUP BY 1, 2) same_place
  ) v
  JOIN coverage_area a ON ST_DWithin(a.g, v.home, v.radius_km * 1000.0, false)
  GROUP BY a.code
) c
WHERE c.code = h.code;
"""

SAVE = """
INSERT INTO needs_areahelp (area_id, level, opportunities_in, opportunities_near, nearest_km,
                            free_places, volunteers, computed_at)
SELECT code, level, opportunities_in, opportunities_near, nearest_km, free_places, volunteers, now()
FROM coverage_help
ON CONFLICT (area_id) DO UPDATE SET
  level = EXCLUDED.level, opportunities_in = EXCLUDED.opportunities_in,
  opportunities_near = EXCLUDED.opportunities_near, nearest_km = EXCLUDED.nearest_km,
  free_places = EXCLUDED.free_places, volunteers = EXCLUDED.volunteers,
  computed_at = EXCLUDED.computed_at;
"""

TEMPORARY = "coverage_help, coverage_counts, coverage_free, coverage_pub, coverage_area"
DROP = f"DROP TABLE IF EXISTS {TEMPORARY}"

# The coverage rows of one level: each area (with its parent's name and its point) beside its
# open needs (NEEDS_BY_AREA, filtered) and its precomputed help. {join}: JOIN for the areas with
# open needs, LEFT JOIN for every area. The help's time as text in UTC: thousands of rows share a
# few, each read once (coverage.py).
COVERAGE_ROWS = """
WITH need AS ({needs})
SELECT a.code, a.level, a.name_th, a.name_en, p.name_th, ST_X(a.point), ST_Y(a.point),
       n.needs, n.critical, n.people, n.weight,
       h.opportunities_in, h.opportunities_near, h.nearest_km, h.free_places, h.volunteers,
       to_char(h.computed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US')
FROM places_area a
{join} need n ON n.code = a.code
LEFT JOIN places_area p ON p.code = a.parent_id
LEFT JOIN needs_areahelp h ON h.area_id = a.code
WHERE a.level = %(level)s
"""

# Open needs per area of one level (the live half of coverage; filters are added by the caller).
NEEDS_BY_AREA = """
SELECT left(n.area_id, %(digits)s) AS code, count(*) AS needs,
       count(*) FILTER (WHERE n.urgency = 4) AS critical,
       sum(n.people_affected) AS people, sum(n.urgency) AS weight
FROM needs_need n
WHERE n.status = 'open' AND length(n.area_id) >= %(digits)s {filters}
GROUP BY 1
"""
# The same with no filter, from the counts kept (OPEN_NEEDS_TRIGGERS): 8,000 rows, not 100,000.
NEEDS_COUNTED_BY_AREA = """
SELECT left(c.area_id, %(digits)s) AS code, sum(c.needs) AS needs, sum(c.critical) AS critical,
       sum(c.people)::bigint AS people, sum(c.weight) AS weight
FROM needs_openneeds c
WHERE c.needs > 0 AND length(c.area_id) >= %(digits)s
GROUP BY 1
"""

# The open needs of each area (needs.models.OpenNeeds), counted in the transaction of every
# statement that writes needs, whatever wrote it: what it added (new_rows) and took away
# (old_rows), summed per area; an update that moves nothing (a title edited) sums to nought and
# writes nothing. Writers queue on the coverage version's row first (its trigger's name comes
# first), so they never wait on each other's counts in a different order.
_COUNTED = """
        INSERT INTO needs_openneeds AS c (area_id, needs, critical, people, weight)
        SELECT area_id, sum(sign), sum(sign * (urgency = 4)::int), sum(sign * people_affected),
               sum(sign * urgency)
        FROM ({rows}) d
        WHERE status = 'open' AND area_id IS NOT NULL
        GROUP BY area_id
        HAVING (sum(sign), sum(sign * (urgency = 4)::int), sum(sign * people_affected),
                sum(sign * urgency)) <> (0, 0, 0, 0)
        ON CONFLICT (area_id) DO UPDATE SET
            needs = c.needs + EXCLUDED.needs, critical = c.critical + EXCLUDED.critical,
            people = c.people + EXCLUDED.people, weight = c.weight + EXCLUDED.weight;"""
_ADDED = "SELECT 1 AS sign, status, area_id, urgency, people_affected FROM new_rows"
_TAKEN = "SELECT -1 AS sign, status, area_id, urgency, people_affected FROM old_rows"
OPEN_NEEDS_TRIGGERS = f"""
CREATE FUNCTION needs_open_counted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN{_COUNTED.format(rows=_ADDED)}
    ELSIF TG_OP = 'DELETE' THEN{_COUNTED.format(rows=_TAKEN)}
    ELSIF TG_OP = 'UPDATE' THEN{_COUNTED.format(rows=f"{_ADDED} UNION ALL {_TAKEN}")}
    ELSE
        DELETE FROM needs_openneeds;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER need_open_counts_insert AFTER INSERT ON needs_need
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION needs_open_counted();
CREATE TRIGGER need_open_counts_update AFTER UPDATE ON needs_need
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION needs_open_counted();
CREATE TRIGGER need_open_counts_delete AFTER DELETE ON needs_need
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION needs_open_counted();
CREATE TRIGGER need_open_counts_truncate AFTER TRUNCATE ON needs_need
    FOR EACH STATEMENT EXECUTE FUNCTION needs_open_counted();
INSERT INTO needs_openneeds (area_id, needs, critical, people, weight)
SELECT area_id, count(*), count(*) FILTER (WHERE urgency = 4), sum(people_affected), sum(urgency)
FROM needs_need WHERE status = 'open' AND area_id IS NOT NULL GROUP BY area_id;
"""
DROP_OPEN_NEEDS_TRIGGERS = """
DROP TRIGGER need_open_counts_insert ON needs_need;
DROP TRIGGER need_open_counts_update ON needs_need;
DROP TRIGGER need_open_counts_delete ON needs_need;
DROP TRIGGER need_open_counts_truncate ON needs_need;
DROP FUNCTION needs_open_counted();
DELETE FROM needs_openneeds;
"""

# The nearest published opportunity of each need (NeedHelp), kept by needs.coverage.refresh.
# Every need has a row: the triggers below make it with the need and forget what it held (metres
# NULL: not looked for) as soon as it may be wrong: the need moved or opened again, its
# opportunity withdrawn, moved, ended or deleted, or that one's organization withdrawn. 'Infinity':
# none within reach. Each refresh looks again for the needs without metres, a batch at a time, the
# open ones first, the most urgent first (until then the uncovered list searches near them
# itself); closed needs too, so that NULL stays rare and the uncovered list's plan starts from the
# few needs it cannot let off.
_FORGET = "UPDATE needs_needhelp h SET metres = NULL, opportunity_id = NULL, computed_at = NULL"
NEED_HELP_TRIGGERS = f"""
CREATE FUNCTION needs_need_help() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO needs_needhelp (need_id) SELECT id FROM new_rows ON CONFLICT DO NOTHING;
    ELSE
        {_FORGET}
        FROM old_rows o JOIN new_rows n USING (id)
        WHERE h.need_id = n.id
          AND (o.location::text IS DISTINCT FROM n.location::text
               OR (n.status = 'open' AND o.status <> 'open'));
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER need_help_insert AFTER INSERT ON needs_need
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION needs_need_help();
CREATE TRIGGER need_help_update AFTER UPDATE ON needs_need
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION needs_need_help();
INSERT INTO needs_needhelp (need_id) SELECT id FROM needs_need;

-- The help a need counts on is forgotten with any write that may withdraw or move it: the
-- opportunity's place, status, end or organization changed, the opportunity deleted, or its
-- organization's status changed (however written: saves, bulk updates, imports, SQL).
CREATE FUNCTION needs_help_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'places_organization' THEN
        {_FORGET}
        FROM opportunities_opportunity p
        JOIN new_rows n ON n.id = p.organization_id
        JOIN old_rows o ON o.id = n.id AND o.status IS DISTINCT FROM n.status
        WHERE h.opportunity_id = p.id;
    ELSIF TG_OP = 'DELETE' THEN
        {_FORGET} FROM old_rows o WHERE h.opportunity_id = o.id;
    ELSE
        {_FORGET}
        FROM old_rows o JOIN new_rows n USING (id)
        WHERE h.opportunity_id = n.id
          AND (o.location::text, o.status, o.ends_on, o.organization_id)
              IS DISTINCT FROM (n.location::text, n.status, n.ends_on, n.organization_id);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER need_help_opportunity_update AFTER UPDATE ON opportunities_opportunity
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION needs_help_changed();
CREATE TRIGGER need_help_opportunity_delete AFTER DELETE ON opportunities_opportunity
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION needs_help_changed();
CREATE TRIGGER need_help_organization_update AFTER UPDATE ON places_organization
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION needs_help_changed();
"""
DROP_NEED_HELP_TRIGGERS = """
DROP TRIGGER need_help_insert ON needs_need;
DROP TRIGGER need_help_update ON needs_need;
DROP FUNCTION needs_need_help();
DROP TRIGGER need_help_opportunity_update ON opportunities_opportunity;
DROP TRIGGER need_help_opportunity_delete ON opportunities_opportunity;
DROP TRIGGER need_help_organization_update ON places_organization;
DROP FUNCTION needs_help_changed();
"""
# Where published help may have come, moved or gone (HelpChange), logged by every write of an
# opportunity's place, status, end or organization, or of an organization's status (however
# written: saves, bulk updates, imports, SQL). The places of the opportunities published before
# or after the write; one row without a place when more than HELP_CHANGES_LISTED would be.
HELP_CHANGES_LISTED = 1000
_LOG_CHANGES = f"""
    IF cardinality(points) > {HELP_CHANGES_LISTED} THEN
        INSERT INTO needs_helpchange (point) VALUES (NULL);
    ELSIF points IS NOT NULL THEN
        INSERT INTO needs_helpchange (point) SELECT unnest(points);
    END IF;
"""
HELP_CHANGE_TRIGGERS = f"""
CREATE FUNCTION needs_help_change_logged() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE points geography[];
BEGIN
    IF TG_TABLE_NAME = 'places_organization' THEN
        SELECT array_agg(location) INTO points FROM (
            SELECT p.location FROM opportunities_opportunity p
            JOIN new_rows n ON n.id = p.organization_id
            JOIN old_rows o ON o.id = n.id AND o.status IS DISTINCT FROM n.status
            WHERE p.location IS NOT NULL AND p.status = 'published'
            LIMIT {HELP_CHANGES_LISTED + 1}) changed;
    ELSIF TG_OP = 'INSERT' THEN
        SELECT array_agg(location) INTO points FROM (
            SELECT location FROM new_rows WHERE location IS NOT NULL AND status = 'published'
            LIMIT {HELP_CHANGES_LISTED + 1}) changed;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(location) INTO points FROM (
            SELECT location FROM old_rows WHERE location IS NOT NULL AND status = 'published'
            LIMIT {HELP_CHANGES_LISTED + 1}) changed;
    ELSE
        SELECT array_agg(location) INTO points FROM (
            SELECT side.location FROM old_rows o JOIN new_rows n USING (id)
            CROSS JOIN LATERAL (VALUES (o.location, o.status), (n.location, n.status))
                AS side (location, status)
            WHERE (o.location::text, o.status, o.ends_on, o.organization_id)
                  IS DISTINCT FROM (n.location::text, n.status, n.ends_on, n.organization_id)
              AND side.location IS NOT NULL AND side.status = 'published'
            LIMIT {HELP_CHANGES_LISTED + 1}) changed;
    END IF;
    {_LOG_CHANGES}
    RETURN NULL;
END $$;
CREATE TRIGGER help_change_opportunity_insert AFTER INSERT ON opportunities_opportunity
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION needs_help_change_logged();
CREATE TRIGGER help_change_opportunity_update AFTER UPDATE ON opportunities_opportunity
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION needs_help_change_logged();
CREATE TRIGGER help_change_opportunity_delete AFTER DELETE ON opportunities_opportunity
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION needs_help_change_logged();
CREATE TRIGGER help_change_organization_update AFTER UPDATE ON places_organization
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION needs_help_change_logged();
-- What changed before these triggers is not known: anywhere.
INSERT INTO needs_helpchange (point) VALUES (NULL);
"""
# 0012: the queries that join the transition tables planned for their sizes (common.triggers).
_CHANGED_ORGANIZATIONS = """
            SELECT n.id FROM old_rows o JOIN new_rows n USING (id)
            WHERE o.status IS DISTINCT FROM n.status"""
HELP_TRIGGERS_PLANNED_EACH_TIME = f"""
CREATE OR REPLACE FUNCTION needs_need_help() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO needs_needhelp (need_id) SELECT id FROM new_rows ON CONFLICT DO NOTHING;
    ELSE
        EXECUTE $q$
        {_FORGET}
        FROM old_rows o JOIN new_rows n USING (id)
        WHERE h.need_id = n.id
          AND (o.location::text IS DISTINCT FROM n.location::text
               OR (n.status = 'open' AND o.status <> 'open'))
        $q$;
    END IF;
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION needs_help_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'places_organization' THEN
        EXECUTE $q$
        {_FORGET}
        FROM opportunities_opportunity p
        WHERE h.opportunity_id = p.id AND p.organization_id IN ({_CHANGED_ORGANIZATIONS})
        $q$;
    ELSIF TG_OP = 'DELETE' THEN
        EXECUTE $q$ {_FORGET} FROM old_rows o WHERE h.opportunity_id = o.id $q$;
    ELSE
        EXECUTE $q$
        {_FORGET}
        FROM old_rows o JOIN new_rows n USING (id)
        WHERE h.opportunity_id = n.id
          AND (o.location::text, o.status, o.ends_on, o.organization_id)
              IS DISTINCT FROM (n.location::text, n.status, n.ends_on, n.organization_id)
        $q$;
    END IF;
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION needs_help_change_logged() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE points geography[];
BEGIN
    IF TG_TABLE_NAME = 'places_organization' THEN
        EXECUTE $q$
        SELECT array_agg(location) FROM (
            SELECT p.location FROM opportunities_opportunity p
            WHERE p.location IS NOT NULL AND p.status = 'published'
              AND p.organization_id IN ({_CHANGED_ORGANIZATIONS})
            LIMIT {HELP_CHANGES_LISTED + 1}) changed
        $q$ INTO points;
    ELSIF TG_OP = 'INSERT' THEN
        SELECT array_agg(location) INTO points FROM (
            SELECT location FROM new_rows WHERE location IS NOT NULL AND status = 'published'
            LIMIT {HELP_CHANGES_LISTED + 1}) changed;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(location) INTO points FROM (
            SELECT location FROM old_rows WHERE location IS NOT NULL AND status = 'published'
            LIMIT {HELP_CHANGES_LISTED + 1}) changed;
    ELSE
        EXECUTE $q$
        SELECT array_agg(location) FROM (
            SELECT side.location FROM old_rows o JOIN new_rows n USING (id)
            CROSS JOIN LATERAL (VALUES (o.location, o.status), (n.location, n.status))
                AS side (location, status)
            WHERE (o.location::text, o.status, o.ends_on, o.organization_id)
                  IS DISTINCT FROM (n.location::text, n.status, n.ends_on, n.organization_id)
              AND side.location IS NOT NULL AND side.status = 'published'
            LIMIT {HELP_CHANGES_LISTED + 1}) changed
        $q$ INTO points;
    END IF;
    {_LOG_CHANGES}
    RETURN NULL;
END $$;
"""
HELP_TRIGGERS_AS_BEFORE = (
    replaced(NEED_HELP_TRIGGERS, "needs_need_help")
    + replaced(NEED_HELP_TRIGGERS, "needs_help_changed")
    + replaced(HELP_CHANGE_TRIGGERS, "needs_help_change_logged")
)
DROP_HELP_CHANGE_TRIGGERS = """
DROP TRIGGER help_change_opportunity_insert ON opportunities_opportunity;
DROP TRIGGER help_change_opportunity_update ON opportunities_opportunity;
DROP TRIGGER help_change_opportunity_delete ON opportunities_opportunity;
DROP TRIGGER help_change_organization_update ON places_organization;
DROP FUNCTION needs_help_change_logged();
"""
# The changes a refresh read (by id: it deletes the rows it read, whatever commits meanwhile),
# each no farther from a need than its nearest help: better help may have come there, or the
# change was to that help itself while a refresh was finding it (its trigger saw the row as it
# was before that refresh). Most needs have help within coverage.CHANGES_SEARCH_KM: each change
# looks for those around it (a few milliseconds each); the few others each look for a change as
# far as their help.
NEED_HELP_NEAR_CHANGES = f"""
{_FORGET}
FROM needs_need n, needs_helpchange c
WHERE n.id = h.need_id AND c.id = ANY(%(changes)s) AND h.metres <= %(close_m)s
  AND ST_DWithin(n.location, c.point, %(close_m)s + 1)
  AND h.metres + 1 >= ST_Distance(n.location, c.point)
"""
NEED_HELP_FAR_NEAR_CHANGES = f"""
{_FORGET}
FROM needs_need n
WHERE n.id = h.need_id AND h.metres > %(close_m)s
  AND EXISTS (SELECT FROM needs_helpchange c
              WHERE c.id = ANY(%(changes)s)
                AND ST_DWithin(c.point, n.location, least(h.metres + 1, %(reach_m)s)))
"""
# A change too large to list: every need whose nearest help is farther than the shortest
# distance the uncovered list is asked for.
NEED_HELP_BEYOND = f"{_FORGET} WHERE h.metres > %(shortest_m)s"
NEED_HELP_MISSING = f"""
UPDATE needs_needhelp h
SET opportunity_id = k.id, metres = coalesce(k.metres, 'Infinity'), computed_at = now()
FROM (
  SELECT n.id, n.location FROM needs_need n JOIN needs_needhelp h ON h.need_id = n.id
  WHERE h.metres IS NULL AND n.location IS NOT NULL
  ORDER BY n.status <> 'open', 0 - n.urgency, 0 - n.people_affected, n.created_at, n.id
  LIMIT %(batch)s
) n
LEFT JOIN LATERAL (
  SELECT o.id, ST_Distance(o.location, n.location) AS metres
  FROM opportunities_opportunity o
  WHERE o.location IS NOT NULL AND {PUBLISHED}
  ORDER BY o.location <-> n.location
  LIMIT 1
) k ON k.metres <= %(reach_m)s
WHERE h.need_id = n.id
"""
NEEDS_WITHOUT_HELP = """
SELECT count(*) FROM needs_need n JOIN needs_needhelp h ON h.need_id = n.id
WHERE h.metres IS NULL AND n.location IS NOT NULL
"""

# The counters of needs.models.CoverageVersion, one per part, moved by every statement that
# writes it (also one that changes no row: harmless, an answer built again) to a value of a
# sequence: never one seen before, also after a TRUNCATE of every table (which empties them).
COVERAGE_PARTS = {"needs": "needs_need", "help": "needs_areahelp", "areas": "places_area"}
COVERAGE_VERSION_TRIGGERS = """
CREATE FUNCTION needs_coverage_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO needs_coverageversion (part, n) VALUES (TG_ARGV[0], nextval('coverage_version'))
    ON CONFLICT (part) DO UPDATE SET n = EXCLUDED.n;
    RETURN NULL;
END $$;
CREATE SEQUENCE coverage_version;
""" + "".join(
    f"""CREATE TRIGGER coverage_version_{part}
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION needs_coverage_changed('{part}');
INSERT INTO needs_coverageversion (part, n) VALUES ('{part}', 0);
"""
    for part, table in COVERAGE_PARTS.items()
)
DROP_COVERAGE_VERSION_TRIGGERS = (
    "".join(
        f"DROP TRIGGER coverage_version_{part} ON {table};\n"
        for part, table in COVERAGE_PARTS.items()
    )
    + "DROP FUNCTION needs_coverage_changed();\nDROP SEQUENCE coverage_version;\n"
    + "DELETE FROM needs_coverageversion;\n"
)
READ_COVERAGE_VERSION = "SELECT string_agg(part || n, '.' ORDER BY part) FROM needs_coverageversion"
