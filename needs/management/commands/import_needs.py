from django.core.management.base import BaseCommand, CommandError

from needs.importing import import_needs
from needs.models import Incident
from opportunities.importing import FileError


class Command(BaseCommand):
    help = (
        "Import needs from a hotline's CSV (external_id, title, category, address or "
        "latitude/longitude, urgency, people_affected, reporter_*). Matched on external_id; "
        "a dry run unless --commit."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--incident", type=int, help="the incident these needs belong to")
        parser.add_argument("--commit", action="store_true", help="save the changes")
        parser.add_argument("--remote", action="store_true", help="also ask the remote geocoder")

    def handle(self, *args, path, incident, commit, remote, **options):
        if incident is not None:
            incident = Incident.objects.filter(pk=incident).first()
            if incident is None:
                raise CommandError("no such incident")
        try:
            report = import_needs(
                path,
                incident=incident,
                commit=commit,
                use_remote=remote,
                show_progress=options["verbosity"] > 0,
            )
        except FileError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(report.format())
