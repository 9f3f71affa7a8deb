from django.core.management.base import BaseCommand

from volunteers.digests import send_digests
from volunteers.models import Frequency


class Command(BaseCommand):
    help = (
        "E-mail each volunteer the new opportunities for their saved searches: one e-mail per "
        "volunteer per week (or month), never twice. Safe to re-run; run it from cron, e.g. daily."
    )

    def add_arguments(self, parser):
        parser.add_argument("frequency", choices=Frequency.values, nargs="?", default=None)

    def handle(self, frequency, **options):
        for f in [frequency] if frequency else Frequency.values:
            run = send_digests(f)
            self.stdout.write(
                f"{f} digests for {run.period}: {run.sent} sent, {run.failed} failed, "
                f"{run.skipped} already taken by another run ({run.volunteers} volunteers matched)"
            )
