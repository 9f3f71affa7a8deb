from django.db import migrations

# Statistics on the searched names themselves (PostgreSQL 14+), as opportunities' 0008 does for
# their text: without them the planner guessed a tambon's name (ทานตะวัน) in 1,030 names of
# 102,000, read 9, and walked the by-name index through all of them (bench/directory.py, "q= a
# place's name": 167 ms in SQL). The expression is the one searched (places.models.NAMES_TEXT,
# upper-cased) as PostgreSQL simplifies it: the index's own text keeps a COALESCE of a constant
# that the planner folds away, and statistics on it would never be matched.
CREATE = r"""
CREATE STATISTICS organization_names_text_stats ON (
    upper(COALESCE(name_th, ''::character varying)::text
          || COALESCE(' '::text || COALESCE(name_en, ''::character varying)::text, ''::text))
) FROM places_organization;
-- A histogram of 1,000 names: with 100, a word in 1 name of 300 and one in 1 of 30 looked alike.
ALTER STATISTICS organization_names_text_stats SET STATISTICS 1000;
ANALYZE places_organization;
"""
DROP = "DROP STATISTICS organization_names_text_stats;"


class Migration(migrations.Migration):
    dependencies = [("places", "0010_name_bigrams")]

    operations = [migrations.RunSQL(CREATE, DROP)]
