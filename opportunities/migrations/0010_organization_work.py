from django.db import migrations

from opportunities.sql import DROP_ORGANIZATION_WORK_TRIGGERS, ORGANIZATION_WORK_TRIGGERS


class Migration(migrations.Migration):
    dependencies = [
        ("opportunities", "0009_newest_index_with_its_columns"),
        ("places", "0009_organization_work_and_trust"),
    ]

    operations = [
        migrations.RunSQL(ORGANIZATION_WORK_TRIGGERS, DROP_ORGANIZATION_WORK_TRIGGERS),
    ]
