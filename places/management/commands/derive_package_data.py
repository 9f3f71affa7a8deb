from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from places import derived


class Command(BaseCommand):
    help = (
        "Regenerate the tables derived from the official data that ship with the package "
        "(places/data/), from OPEN_DATA_DIR."
    )

    def handle(self, *args, **options):
        boundaries = settings.OPEN_DATA_DIR / "boundaries"
        adm1, adm2, adm3 = (boundaries / f"th_adm{level}.geojson" for level in (1, 2, 3))
        for path in (adm1, adm2, adm3):
            if not path.exists():
                raise CommandError(
                    f"{path} not found: set OPEN_DATA_DIR (see README, Official data)"
                )
        count = derived.write_province_outlines(adm1)
        self.stdout.write(f"{derived.PROVINCE_OUTLINES}: {count} provinces")
        count = derived.write_area_points(adm2, adm3)
        self.stdout.write(f"{derived.AREA_POINTS}: {count} district and tambon points")
