"""Mark where help changed, for the incremental coverage refresh (needs.coverage.refresh)."""

from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from common.importing import rows_imported
from needs import coverage
from opportunities.models import Opportunity, Shift
from volunteers.models import SignUp, Volunteer


def _stored(model, pk, field):
    return model.objects.filter(pk=pk).values_list(field, flat=True).first() if pk else None


@receiver(pre_save, sender=Opportunity)
def remember_old_place(sender, instance, **kwargs):
    instance._coverage_before = _stored(Opportunity, instance.pk, "location")


@receiver([post_save, post_delete], sender=Opportunity)
def opportunity_changed(sender, instance, **kwargs):
    coverage.mark_changed(instance.location)
    before = getattr(instance, "_coverage_before", None)
    if before is not None and before != instance.location:
        coverage.mark_changed(before)


@receiver([post_save, post_delete], sender=Shift)
def places_changed(sender, instance, **kwargs):
    coverage.mark_changed(_stored(Opportunity, instance.opportunity_id, "location"))


@receiver(post_save, sender=SignUp)
def places_taken(sender, instance, **kwargs):
    coverage.mark_changed(
        Opportunity.objects.filter(shifts=instance.shift_id)
        .values_list("location", flat=True)
        .first()
    )


@receiver(pre_save, sender=Volunteer)
def remember_old_home(sender, instance, **kwargs):
    old = Volunteer.objects.filter(pk=instance.pk).values("home", "travel_radius_km").first()
    instance._coverage_before = old


@receiver([post_save, post_delete], sender=Volunteer)
def volunteer_changed(sender, instance, **kwargs):
    coverage.mark_changed(instance.home, instance.travel_radius_km)
    before = getattr(instance, "_coverage_before", None)
    if before and before["home"] is not None:
        coverage.mark_changed(before["home"], before["travel_radius_km"])


@receiver(rows_imported)
def imported(sender, **kwargs):
    # Opportunities, organizations or needs written in bulk SQL, which sends no model signals.
    coverage.mark_everything()
