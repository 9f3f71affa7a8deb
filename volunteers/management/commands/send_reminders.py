from django.core.management.base import BaseCommand

from volunteers.signups import send_reminders


class Command(BaseCommand):
    help = "E-mail volunteers whose shift starts within a day (once each). Run hourly from cron."

    def handle(self, **options):
        self.stdout.write(f"{send_reminders()} reminders sent")
