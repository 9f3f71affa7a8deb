from django.db import migrations

from volunteers.sql import CAPACITY_TRIGGER, DROP_CAPACITY_TRIGGER


class Migration(migrations.Migration):
    dependencies = [
        ("volunteers", "0001_initial"),
        ("opportunities", "0002_map_cells"),
    ]

    operations = [migrations.RunSQL(CAPACITY_TRIGGER, DROP_CAPACITY_TRIGGER)]
