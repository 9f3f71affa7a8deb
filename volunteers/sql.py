"""Raw SQL of the volunteers app: the capacity guard (see volunteers.signups) and the digest's
set-based matching (see volunteers.digests)."""

from opportunities.sql import PUBLISHED_OPPORTUNITY

CAPACITY_TRIGGER = """
CREATE FUNCTION volunteers_check_capacity() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    the_shift bigint;
    places integer;
    taken integer;
BEGIN
    IF TG_TABLE_NAME = 'opportunities_shift' THEN
        the_shift := NEW.id;
    ELSE
        the_shift := NEW.shift_id;
    END IF;
    -- The lock queues concurrent writers; the count, a new snapshot, sees what they committed.
    SELECT capacity INTO places FROM opportunities_shift WHERE id = the_shift FOR UPDATE;
    SELECT count(*) INTO taken FROM volunteers_signup
        WHERE shift_id = the_shift AND status = 'confirmed';
    IF taken > places THEN
        RAISE EXCEPTION 'shift % has % places and % confirmed sign-ups', the_shift, places, taken
            USING ERRCODE = 'check_violation', CONSTRAINT = 'signup_within_capacity';
    END IF;
    RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER signup_within_capacity
    AFTER INSERT OR UPDATE OF status, shift_id ON volunteers_signup
    FOR EACH ROW WHEN (NEW.status = 'confirmed')
    EXECUTE FUNCTION volunteers_check_capacity();

CREATE CONSTRAINT TRIGGER shift_capacity_covers_signups
    AFTER UPDATE OF capacity ON opportunities_shift
    FOR EACH ROW WHEN (NEW.capacity < OLD.capacity)
    EXECUTE FUNCTION volunteers_check_capacity();
"""

DROP_CAPACITY_TRIGGER = """
DROP TRIGGER shift_capacity_covers_signups ON opportunities_shift;
DROP TRIGGER signup_within_capacity ON volunteers_signup;
DROP FUNCTION volunteers_check_capacity();
"""

# --- digests (see volunteers.digests) -------------------------------------------------------------

# The opportunities published in the digest's window, with every area code they lie in.
DIGEST_FRESH = f"""
CREATE TEMP TABLE digest_fresh AS
SELECT o.id, o.location, o.mode, o.causes, o.skills, o.published_at, o.area_id
FROM opportunities_opportunity o
WHERE {PUBLISHED_OPPORTUNITY}
  AND o.published_at >= %(since)s AND o.published_at <= %(now)s;
CREATE UNIQUE INDEX ON digest_fresh (id);
CREATE INDEX ON digest_fresh USING gist (location);
CREATE INDEX ON digest_fresh (published_at) WHERE mode = 'remote';
CREATE TEMP TABLE digest_fresh_area AS
SELECT id, unnest(ARRAY[area_id, left(area_id, 4), left(area_id, 2)]) AS code
FROM digest_fresh WHERE area_id IS NOT NULL AND mode <> 'remote';
CREATE INDEX ON digest_fresh_area (code);
ANALYZE digest_fresh;
ANALYZE digest_fresh_area;
"""

# The saved searches of the volunteers who consent to the digest, are verified and have no
# digest yet for this period, each with the time after which an opportunity is new to them.
DIGEST_SEARCHES = """
CREATE TEMP TABLE digest_searches AS
SELECT s.user_id, s.centre, s.radius_km, s.area_id, s.include_remote, s.causes, s.skills,
  GREATEST(%(since)s, (
    SELECT max(d.claimed_at) FROM volunteers_digest d
    WHERE d.user_id = s.user_id AND d.frequency = %(frequency)s AND d.status = 'sent'
  )) AS newer_than
FROM volunteers_savedsearch s
JOIN auth_user u ON u.id = s.user_id AND u.is_active
WHERE s.frequency = %(frequency)s
  AND EXISTS (
    SELECT 1 FROM volunteers_consent c
    WHERE c.user_id = s.user_id AND c.purpose = 'digest' AND c.withdrawn_at IS NULL)
  AND s.user_id BETWEEN %(first)s AND %(last)s
  AND NOT EXISTS (
    SELECT 1 FROM volunteers_digest d
    WHERE d.user_id = s.user_id AND d.frequency = %(frequency)s AND d.period = %(period)s
      AND (d.status = 'sent'
           OR d.status = 'claimed' AND d.taken_at >= clock_timestamp() - %(lease)s));
CREATE INDEX ON digest_searches (user_id);
ANALYZE digest_searches;
"""

# The volunteers with saved searches of a frequency, for dividing a run among workers.
DIGEST_SEARCHERS = """
SELECT DISTINCT user_id FROM volunteers_savedsearch WHERE frequency = %(frequency)s ORDER BY user_id
"""

DIGEST_USERS = """
SELECT DISTINCT user_id FROM digest_searches WHERE user_id > %(after)s
ORDER BY user_id LIMIT %(batch)s
"""

# For a batch of volunteers: the newest matches of each of their searches (at most `cap` a
# search: a circle around a place, an area, or remote ones), merged per volunteer: the newest
# `shown` and how many. Reading at most `cap` a search, newest first, keeps the work per
# search bounded however many opportunities a wide circle holds.
_SEARCH_FILTERS = """
    f.published_at > s.newer_than
    AND (cardinality(s.causes) = 0 OR f.causes && s.causes)
    AND (cardinality(s.skills) = 0 OR f.skills && s.skills)
"""
DIGEST_MATCHES = f"""
WITH found AS (
    SELECT s.user_id, m.id, m.published_at
    FROM digest_searches s CROSS JOIN LATERAL (
        SELECT f.id, f.published_at FROM digest_fresh f
        WHERE ST_DWithin(f.location, s.centre, s.radius_km * 1000.0) AND f.mode <> 'remote'
          AND {_SEARCH_FILTERS}
        ORDER BY f.published_at DESC LIMIT %(cap)s) m
    WHERE s.user_id = ANY(%(users)s) AND s.centre IS NOT NULL
  UNION
    SELECT s.user_id, m.id, m.published_at
    FROM digest_searches s CROSS JOIN LATERAL (
        SELECT f.id, f.published_at
        FROM digest_fresh_area a JOIN digest_fresh f ON f.id = a.id
        WHERE a.code = s.area_id AND {_SEARCH_FILTERS}
        ORDER BY f.published_at DESC LIMIT %(cap)s) m
    WHERE s.user_id = ANY(%(users)s) AND s.area_id IS NOT NULL
  UNION
    SELECT s.user_id, m.id, m.published_at
    FROM digest_searches s CROSS JOIN LATERAL (
        SELECT f.id, f.published_at FROM digest_fresh f
        WHERE f.mode = 'remote' AND {_SEARCH_FILTERS}
        ORDER BY f.published_at DESC LIMIT %(cap)s) m
    WHERE s.user_id = ANY(%(users)s) AND s.include_remote
)
SELECT user_id, (array_agg(id ORDER BY published_at DESC, id))[1:%(shown)s], count(*)
FROM found GROUP BY user_id ORDER BY user_id
"""

# Claim the period for these volunteers (a failed attempt may be retried, and a claim whose run
# died, unsent after the lease, taken over); returns who was claimed.
# claimed_at is the run's snapshot time: the next digest lists what was published after it.
DIGEST_CLAIM = """
INSERT INTO volunteers_digest
    (user_id, frequency, period, status, opportunities, claimed_at, taken_at, error)
SELECT u, %(frequency)s, %(period)s, 'claimed', n, %(now)s, clock_timestamp(), ''
FROM unnest(%(users)s::bigint[], %(counts)s::integer[]) AS t(u, n)
ON CONFLICT (user_id, frequency, period) DO UPDATE
    SET status = 'claimed', claimed_at = EXCLUDED.claimed_at, taken_at = EXCLUDED.taken_at,
        error = '', opportunities = EXCLUDED.opportunities
    WHERE volunteers_digest.status = 'failed'
       OR volunteers_digest.status = 'claimed'
          AND volunteers_digest.taken_at < clock_timestamp() - %(lease)s
RETURNING user_id, id
"""

# One digest sent, marked at once (by id: DIGEST_CLAIM's): sent through libpq directly, so in
# its placeholders (digests.Marks).
DIGEST_SENT = b"UPDATE volunteers_digest SET status = $1 WHERE id = $2"

DIGEST_DROP = "DROP TABLE IF EXISTS digest_searches, digest_fresh_area, digest_fresh"
