from django.core.management.base import CommandError

from common.importing import ImportCommand
from needs.importing import import_needs
from needs.models import Incident


class Command(ImportCommand):
    help = (
        "Import needs from a hotline's CSV (external_id, title, category, address or "
        "latitude/longitude, urgency, people_affected, reporter_*). Matched on external_id; "
        "a dry run unless --commit."
    )

    def add_import_arguments(self, parser):
        parser.add_argument("--incident", type=int, help="the incident these needs belong to")
        parser.add_argument("--remote", action="store_true", help="also ask the remote geocoder")

    def run_import(self, path, *, commit, show_progress, incident, remote, **options):
        if incident is not None:
            incident = Incident.objects.filter(pk=incident).first()
            if incident is None:
                raise CommandError("no such incident")
        return import_needs(
            path, incident=incident, commit=commit, use_remote=remote, show_progress=show_progress
        )
