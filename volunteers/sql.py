"""The database side of the capacity guard (see volunteers.signups)."""

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
DIGEST_FRESH = """
CREATE TEMP TABLE digest_fresh AS
SELECT o.id, o.location, o.mode, o.causes, o.skills, o.published_at, o.area_id
FROM opportunities_opportunity o
JOIN places_organization g ON g.id = o.organization_id
WHERE o.status = 'published' AND g.status = 'published'
  AND (o.ends_on IS NULL OR o.ends_on >= %(today)s)
  AND o.published_at >= %(since)s AND o.published_at <= %(now)s;
CREATE INDEX ON digest_fresh USING gist (location);
CREATE TEMP TABLE digest_fresh_area AS
SELECT id, unnest(ARRAY[area_id, left(area_id, 4), left(area_id, 2)]) AS code
FROM digest_fresh WHERE area_id IS NOT NULL;
ANALYZE digest_fresh;
ANALYZE digest_fresh_area;
"""

# Every (volunteer, opportunity) pair a saved search of theirs finds, for volunteers who consent
# to the digest, are verified, have no digest yet for this period, and only opportunities newer
# than their last digest.
DIGEST_MATCHES = """
CREATE TEMP TABLE digest_searches AS
SELECT s.*, GREATEST(%(since)s, (
    SELECT max(d.claimed_at) FROM volunteers_digest d
    WHERE d.user_id = s.user_id AND d.frequency = %(frequency)s AND d.status = 'sent'
  )) AS newer_than
FROM volunteers_savedsearch s
JOIN auth_user u ON u.id = s.user_id AND u.is_active
WHERE s.frequency = %(frequency)s
  AND EXISTS (
    SELECT 1 FROM volunteers_consent c
    WHERE c.user_id = s.user_id AND c.purpose = 'digest' AND c.withdrawn_at IS NULL)
  AND NOT EXISTS (
    SELECT 1 FROM volunteers_digest d
    WHERE d.user_id = s.user_id AND d.frequency = %(frequency)s AND d.period = %(period)s
      AND d.status <> 'failed');

CREATE TEMP TABLE digest_matches AS
SELECT DISTINCT m.user_id, f.id AS opportunity_id, f.published_at
FROM (
    SELECT s.user_id, s.causes, s.skills, s.newer_than, f.id
    FROM digest_searches s
    JOIN digest_fresh f ON ST_DWithin(f.location, s.centre, s.radius_km * 1000.0)
    WHERE s.centre IS NOT NULL
  UNION ALL
    SELECT s.user_id, s.causes, s.skills, s.newer_than, a.id
    FROM digest_searches s JOIN digest_fresh_area a ON a.code = s.area_id
  UNION ALL
    SELECT s.user_id, s.causes, s.skills, s.newer_than, f.id
    FROM digest_searches s JOIN digest_fresh f ON f.mode IN ('remote', 'hybrid')
    WHERE s.include_remote
) m
JOIN digest_fresh f ON f.id = m.id
WHERE f.published_at > m.newer_than
  AND (cardinality(m.causes) = 0 OR f.causes && m.causes)
  AND (cardinality(m.skills) = 0 OR f.skills && m.skills);
CREATE INDEX ON digest_matches (user_id);
ANALYZE digest_matches;
"""

# The next batch of volunteers: their newest matches and how many there are.
DIGEST_BATCH = """
SELECT user_id, (array_agg(opportunity_id ORDER BY published_at DESC, opportunity_id))[1:%(shown)s],
       count(*)
FROM digest_matches WHERE user_id > %(after)s
GROUP BY user_id ORDER BY user_id LIMIT %(batch)s
"""

# Claim the period for these volunteers (a failed attempt may be retried); returns who was claimed.
# claimed_at is the run's snapshot time: the next digest lists what was published after it.
DIGEST_CLAIM = """
INSERT INTO volunteers_digest (user_id, frequency, period, status, opportunities, claimed_at, error)
SELECT u, %(frequency)s, %(period)s, 'claimed', n, %(now)s, ''
FROM unnest(%(users)s::bigint[], %(counts)s::integer[]) AS t(u, n)
ON CONFLICT (user_id, frequency, period) DO UPDATE
    SET status = 'claimed', claimed_at = EXCLUDED.claimed_at, error = '',
        opportunities = EXCLUDED.opportunities
    WHERE volunteers_digest.status = 'failed'
RETURNING user_id
"""

DIGEST_DROP = """
DROP TABLE IF EXISTS digest_matches, digest_searches, digest_fresh_area, digest_fresh
"""
