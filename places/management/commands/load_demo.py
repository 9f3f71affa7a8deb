from django.core.management.base import BaseCommand

from places import package_gazetteer


class Command(BaseCommand):
    help = "Load the demo data that ./dev run serves: the package gazetteer. Safe to re-run."

    def handle(self, *args, **options):
        report = package_gazetteer.load()
        self.stdout.write(
            f"gazetteer: {report.created} areas created, {report.updated} updated, "
            f"{report.unchanged} unchanged"
        )
