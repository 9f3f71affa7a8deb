import json
import sys

from django.core.management.base import BaseCommand, CommandError

from geocoding.service import RemoteGeocoderError, geocode

FIELDS = (
    "q",
    "lat",
    "lon",
    "precision",
    "tambon",
    "amphoe",
    "province",
    "postcode",
    "score",
    "candidates",
    "reason",
)


def as_json(result) -> str:
    data = result.as_dict()
    return json.dumps({key: data[key] for key in FIELDS}, ensure_ascii=False)


class Command(BaseCommand):
    help = (
        'Geocode Thai addresses. `geocode "ADDRESS"` prints one JSON object; '
        "`geocode --jsonl` reads "
        "one address per line on stdin and writes one JSON object per line, in order."
    )

    def add_arguments(self, parser):
        parser.add_argument("address", nargs="?")
        parser.add_argument("--jsonl", action="store_true", help="addresses on stdin, one per line")
        parser.add_argument("--offline", action="store_true", help="never ask a remote geocoder")

    def handle(self, *args, address, jsonl, offline, **options):
        if jsonl == (address is not None):
            raise CommandError('give either one "ADDRESS" or --jsonl (addresses on stdin)')
        try:
            if address is not None:
                self.stdout.write(as_json(geocode(address, use_remote=not offline)))
                return
            for line in sys.stdin:
                self.stdout.write(as_json(geocode(line.rstrip("\n"), use_remote=not offline)))
        except RemoteGeocoderError as exc:
            raise CommandError(
                f"remote geocoder failed: {exc} (use --offline to skip it)"
            ) from None
