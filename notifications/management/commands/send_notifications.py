from django.core.management.base import BaseCommand

from notifications import sending


class Command(BaseCommand):
    help = (
        "Send what organizations and moderators are to be told: each notice at once (every "
        "minute), or with --daily the daily news and the moderators' pending items (once a day)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--daily", action="store_true")

    def handle(self, *args, daily=False, **options):
        sent = sending.send_daily() if daily else sending.send_due()
        self.stdout.write(f"{sent} e-mails sent")
