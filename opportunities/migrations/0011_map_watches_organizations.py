from django.db import migrations

from opportunities.sql import MAP_CHANGED_AS_BEFORE, MAP_CHANGED_WATCHES_ORGANIZATIONS


class Migration(migrations.Migration):
    dependencies = [
        ("opportunities", "0010_organization_work"),
        ("places", "0009_organization_work_and_trust"),
    ]

    operations = [
        migrations.RunSQL(MAP_CHANGED_WATCHES_ORGANIZATIONS, MAP_CHANGED_AS_BEFORE),
    ]
