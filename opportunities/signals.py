"""Keep the map current: a change to published data makes every cached tile stale once it is
committed (the point tiles read live data). The cluster pyramid hears of it from the database's
own triggers (opportunities.models.MapChange) at the next refresh_map."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from common.importing import rows_imported
from opportunities import tiles
from opportunities.models import Opportunity
from places.models import Organization


@receiver([post_save, post_delete, rows_imported], sender=Opportunity)
@receiver([post_save, post_delete, rows_imported], sender=Organization)
def published_data_changed(sender, **kwargs):
    transaction.on_commit(tiles.data_changed)


@receiver(post_save, sender=Organization)
def followers_move_with_their_organization(sender, instance, raw=False, **kwargs):
    """Opportunities that take their organization's place follow it, wherever it was saved (the
    API, the staff pages, the admin). One UPDATE, which sends no signals: the map hears of the
    organization's own save."""
    if raw:
        return
    instance.opportunities.filter(use_organization_location=True).update(
        address=instance.address,
        location=instance.location,
        precision=instance.precision,
        area_id=instance.area_id,
    )
