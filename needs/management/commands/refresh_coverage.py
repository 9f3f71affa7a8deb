from django.core.management.base import BaseCommand

from needs.coverage import refresh


class Command(BaseCommand):
    help = (
        "Recompute the help around each area for the coverage view: only the areas near what "
        "changed since the last run, or all with --full; and the nearest help of open needs "
        "that may have changed. Run it every minute from cron."
    )

    def add_arguments(self, parser):
        parser.add_argument("--full", action="store_true", help="recompute every area")

    def handle(self, *args, full, **options):
        run = refresh(full=full)
        self.stdout.write(
            f"coverage: {run.mode}, {run.areas} areas; nearest help found for {run.needs} open "
            f"needs, {run.needs_left} still without; {run.seconds:.2f} s"
        )
