"""Opportunities' work outside the request (scheduled in mapsite/celery.py)."""

from celery import shared_task

from opportunities import tiles
from opportunities.models import Opportunity


@shared_task(name="opportunities.refresh_map")
def refresh_map() -> str:
    """Close the past opportunities, then bring the map's cluster pyramids up to date (in this
    order, so that the same refresh leaves them out). Two at once take the changes in turn."""
    closed = Opportunity.objects.close_past()
    done = [tiles.refresh(layer) for layer in tiles.LAYERS]
    return "; ".join([f"{closed} past opportunities closed", *done])
