from django.core.management.base import BaseCommand

from opportunities.models import Opportunity


class Command(BaseCommand):
    help = "Close published opportunities whose end date has passed (for cron; safe to re-run)."

    def handle(self, *args, **options):
        closed = Opportunity.objects.close_past()
        self.stdout.write(f"{closed} past opportunities closed")
