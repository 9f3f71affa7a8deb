from django.core.management.base import BaseCommand, CommandError

from common import schedule


class Command(BaseCommand):
    help = (
        "Run the periodic jobs of common/schedule.py, each when due, until stopped (./dev run and "
        "docker-compose.yml's scheduler run it); or with --once every job once, then exit."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="run every job once and exit")

    def handle(self, *args, once, **options):
        if once:
            failed = schedule.run(schedule.SCHEDULE, self.stdout)
            if failed:  # a non-zero exit, for cron to report
                raise CommandError(f"failed: {', '.join(map(str, failed))} (see the log above)")
        else:
            schedule.run_forever(self.stdout)
