from django.db import migrations

from opportunities.sql import (
    MAP_CHANGED_PLANNED_EACH_TIME,
    MAP_CHANGED_WATCHES_ORGANIZATIONS,
    ORGANIZATION_WORK_AS_BEFORE,
    ORGANIZATION_WORK_PLANNED_EACH_TIME,
)


class Migration(migrations.Migration):
    dependencies = [
        ("opportunities", "0011_map_watches_organizations"),
    ]

    operations = [
        migrations.RunSQL(ORGANIZATION_WORK_PLANNED_EACH_TIME, ORGANIZATION_WORK_AS_BEFORE),
        migrations.RunSQL(MAP_CHANGED_PLANNED_EACH_TIME, MAP_CHANGED_WATCHES_ORGANIZATIONS),
    ]
