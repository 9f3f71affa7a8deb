from django.core.management.base import BaseCommand

from opportunities import tiles


class Command(BaseCommand):
    help = (
        "Bring the map's cluster pyramid up to date with what changed since the last run, cell by "
        "cell (run it every minute; nothing changed, nothing done; --force rebuilds it whole)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true")

    def handle(self, *args, force, **options):
        for layer in tiles.LAYERS:
            if force:
                tiles.rebuild_pyramid(layer)
                self.stdout.write(f"{layer}: pyramid rebuilt")
            else:
                self.stdout.write(tiles.refresh(layer))
