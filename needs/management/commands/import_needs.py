from django.core.management.base import CommandError

from needs.importing import import_needs
from needs.models import Incident
from places.importing import LocatedImportCommand


class Command(LocatedImportCommand):
    help = (
        "Import needs from a hotline's CSV (external_id, title, category, address or "
        "latitude/longitude, urgency, people_affected, reporter_*). Matched on external_id; "
        "a dry run unless --commit."
    )
    importer = staticmethod(import_needs)
    publishes = False

    def add_import_arguments(self, parser):
        super().add_import_arguments(parser)
        parser.add_argument("--incident", type=int, help="the incident these needs belong to")

    def more_arguments(self, options) -> dict:
        if options["incident"] is None:
            return {"incident": None}
        incident = Incident.objects.filter(pk=options["incident"]).first()
        if incident is None:
            raise CommandError("no such incident")
        return {"incident": incident}
