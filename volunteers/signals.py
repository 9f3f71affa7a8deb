"""More places on a shift move its waiting list up at once, wherever the shift was edited."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from opportunities.models import Shift
from volunteers import signups


@receiver(post_save, sender=Shift)
def places_may_have_freed(sender, instance, created, **kwargs):
    if not created:
        signups.promote(instance.pk)
