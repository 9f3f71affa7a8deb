from django.core.cache import cache
from django.core.management.base import BaseCommand

from opportunities import tiles
from opportunities.signals import DIRTY_KEY


class Command(BaseCommand):
    help = (
        "Rebuild the map's cluster pyramid when published data changed (run it every minute from "
        "cron; --force rebuilds anyway)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true")

    def handle(self, *args, force, **options):
        if not (force or cache.get(DIRTY_KEY, True)):
            self.stdout.write("map is current")
            return
        cache.set(DIRTY_KEY, False, None)
        for layer in tiles.LAYERS:
            tiles.rebuild_pyramid(layer)
        self.stdout.write("map pyramid rebuilt")
