from django.db import migrations

# Statistics on the searched text itself (PostgreSQL 14+), so that the planner knows how rare a
# word is: without them it guessed a 4-digit number matched 14 times more rows than it did, and
# walked the newest-first index through 113,000 rows instead of reading the 440 matches through
# the trigram index (bench/lists.py, "q= a rare word": p99 272 ms at 1M, 13 ms with them). The
# expression is the trigram index's own, read from it, so that the two never differ.
CREATE = r"""
DO $$
DECLARE
    definition text := pg_get_indexdef('opportunity_searched_text'::regclass);
BEGIN
    EXECUTE 'CREATE STATISTICS opportunity_searched_text_stats ON ('
        || substring(definition from 'USING gin \((.*) gin_trgm_ops\)')
        || ') FROM opportunities_opportunity';
END $$;
ANALYZE opportunities_opportunity;
"""
DROP = "DROP STATISTICS opportunity_searched_text_stats;"


class Migration(migrations.Migration):
    dependencies = [("opportunities", "0007_map_changes")]

    operations = [migrations.RunSQL(CREATE, DROP)]
