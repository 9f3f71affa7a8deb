"""Keep the map current: a change to published data makes every cached tile stale at once (the
point tiles read live data) and marks the cluster pyramid for the next refresh_map."""

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.dispatch import Signal, receiver

from opportunities import tiles
from opportunities.models import Opportunity
from places.models import Organization

DIRTY_KEY = "map:dirty"

# Sent after an import wrote many rows in bulk SQL (which sends no model signals).
bulk_imported = Signal()


def map_changed():
    """Cached tiles are stale now; the pyramid at the next refresh_map."""
    tiles.data_changed()
    cache.set(DIRTY_KEY, True, None)


@receiver([post_save, post_delete], sender=Opportunity)
@receiver([post_save, post_delete], sender=Organization)
def published_data_changed(sender, **kwargs):
    map_changed()
