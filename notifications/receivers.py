"""The apps' news, written to the outbox for the organization's staff (in the same transaction as
the change, so that a change undone leaves no notice behind)."""

from django.dispatch import receiver

from notifications.models import VOLUNTEER_KINDS, Frequency, Kind, Notice, Preference
from opportunities.events import opportunity_moderated
from places.events import organization_moderated
from volunteers.events import sign_up_changed

CHANGES = {
    "confirmed": Kind.SIGNED_UP,
    "waitlisted": Kind.WAITLISTED,
    "cancelled": Kind.CANCELLED,
}


def tell_staff(organization, kind, **about):
    daily = False
    if kind in VOLUNTEER_KINDS:
        preference = Preference.objects.filter(organization=organization).first()
        frequency = preference.volunteers if preference else Frequency.EACH
        if frequency == Frequency.OFF:
            return
        daily = frequency == Frequency.DAILY
    Notice.objects.bulk_create(
        Notice(
            recipient_id=member.user_id, organization=organization, kind=kind, daily=daily, **about
        )
        for member in organization.members.all()
    )


@receiver(organization_moderated)
def organization_decided(sender, organization, approved, **kwargs):
    kind = Kind.ORGANIZATION_APPROVED if approved else Kind.ORGANIZATION_REJECTED
    tell_staff(organization, kind, reason=organization.rejection_reason)


@receiver(opportunity_moderated)
def opportunity_decided(sender, opportunity, approved, **kwargs):
    kind = Kind.OPPORTUNITY_APPROVED if approved else Kind.OPPORTUNITY_REJECTED
    tell_staff(
        opportunity.organization, kind, opportunity=opportunity, reason=opportunity.rejection_reason
    )


@receiver(sign_up_changed)
def volunteer_moved(sender, sign_up, change, **kwargs):
    if change not in CHANGES:  # a promotion is the volunteer's news, not the organization's
        return
    shift = sign_up.shift
    profile = getattr(sign_up.volunteer, "volunteer", None) if sign_up.volunteer else None
    tell_staff(
        shift.opportunity.organization,
        CHANGES[change],
        opportunity=shift.opportunity,
        shift=shift,
        volunteer_name=profile.display_name if profile else "",
    )
