from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from places import derived


class Command(BaseCommand):
    help = (
        "Regenerate the tables derived from the official data that ship with the package "
        "(places/data/), from OPEN_DATA_DIR."
    )

    def handle(self, *args, **options):
        adm1 = settings.OPEN_DATA_DIR / "boundaries" / "th_adm1.geojson"
        if not adm1.exists():
            raise CommandError(f"{adm1} not found: set OPEN_DATA_DIR (see README, Official data)")
        count = derived.write_province_outlines(adm1)
        self.stdout.write(f"{derived.PROVINCE_OUTLINES}: {count} provinces")
