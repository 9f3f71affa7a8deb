from django.core.management.base import BaseCommand

from opportunities import demo


class Command(BaseCommand):
    help = (
        "Load the demo data that ./dev run serves (gazetteer, organizations, opportunities). "
        "Safe to re-run."
    )

    def handle(self, *args, **options):
        for report in demo.load():
            self.stdout.write(report.format(max_rejected=50 if report.rejected else 0))
