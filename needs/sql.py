"""The coverage queries (see needs.coverage). Values travel as parameters; the published filter
is the same as OpportunityQuerySet.published()."""

PUBLISHED = """
    o.status = 'published'
    AND (o.ends_on IS NULL OR o.ends_on >= %(today)s)
    AND EXISTS (SELECT 1 FROM places_organization g
                WHERE g.id = o.organization_id AND g.status = 'published')
"""

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
  ON ST_DWithin(a.point::geography, d.point, (d.radius_km + %(reach_km)s) * 1000)
WHERE a.point IS NOT NULL AND d.id <= %(dirty_upto)s;
"""
AREAS_INDEX = """
CREATE INDEX ON coverage_area USING gist (g);
ANALYZE coverage_area;
"""

# One row per area: opportunities in it, near its point (capped), the nearest (within reach_km,
# so that a change reaches only the areas within reach_km of it), free places on
# shifts to come in it, and volunteers (who agreed to suggestions) whose travel radius reaches it.
HELP = f"""
CREATE TEMP TABLE coverage_help AS
SELECT a.code, a.level,
  (SELECT count(*) FROM opportunities_opportunity o
    WHERE o.area_id BETWEEN a.code AND a.code || '999999' AND {PUBLISHED}) AS opportunities_in,
  (SELECT count(*) FROM (
      SELECT 1 FROM opportunities_opportunity o
      WHERE ST_DWithin(o.location, a.g, %(near_km)s * 1000) AND {PUBLISHED}
      LIMIT %(near_cap)s) n) AS opportunities_near,
  (SELECT ST_Distance(o.location, a.g) / 1000 FROM opportunities_opportunity o
    WHERE ST_DWithin(o.location, a.g, %(reach_km)s * 1000) AND {PUBLISHED}
    ORDER BY o.location <-> a.g LIMIT 1) AS nearest_km,
  (SELECT coalesce(sum(GREATEST(s.capacity - (
        SELECT count(*) FROM volunteers_signup u
        WHERE u.shift_id = s.id AND u.status = 'confirmed'), 0)), 0)
    FROM opportunities_shift s JOIN opportunities_opportunity o ON o.id = s.opportunity_id
    WHERE s.starts_at > now() AND o.area_id BETWEEN a.code AND a.code || '999999'
      AND {PUBLISHED}) AS free_places,
  0 AS volunteers
FROM coverage_area a;

UPDATE coverage_help h SET volunteers = c.n
FROM (
  SELECT a.code, count(*) AS n
  FROM volunteers_volunteer v
  JOIN coverage_area a ON ST_DWithin(a.g, v.home, v.travel_radius_km * 1000.0)
  WHERE v.home IS NOT NULL
    AND EXISTS (SELECT 1 FROM volunteers_consent c
                WHERE c.user_id = v.user_id AND c.purpose = 'matching'
                  AND c.withdrawn_at IS NULL)
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

DROP = "DROP TABLE IF EXISTS coverage_help, coverage_area"

# Open needs per area of one level (the live half of coverage; filters are added by the caller).
NEEDS_BY_AREA = """
SELECT left(n.area_id, %(digits)s) AS code, count(*) AS needs,
       count(*) FILTER (WHERE n.urgency = 4) AS critical,
       sum(n.people_affected) AS people, sum(n.urgency) AS weight,
       max(n.created_at) AS latest
FROM needs_need n
WHERE n.status = 'open' AND length(n.area_id) >= %(digits)s {filters}
GROUP BY 1
"""
