from django.db import migrations

from needs.sql import HELP_TRIGGERS_AS_BEFORE, HELP_TRIGGERS_PLANNED_EACH_TIME


class Migration(migrations.Migration):
    dependencies = [
        ("needs", "0011_help_changes_logged"),
        ("opportunities", "0012_triggers_planned_each_time"),
    ]

    operations = [
        migrations.RunSQL(HELP_TRIGGERS_PLANNED_EACH_TIME, HELP_TRIGGERS_AS_BEFORE),
    ]
