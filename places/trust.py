"""Trust between the network and its organizations: partners vouch for organizations waiting
for review (a moderator still decides: Organization.verify), and the tiers (places.models.Trust)
are changed only through Organization.change_trust, which logs every change."""

from places.models import ModerationStatus, Organization

AWAITING_SHOWN = 20


def partners_run_by(user):
    """The network's partners the user works for: those that may vouch."""
    return Organization.objects.run_by(user).filter(partner=True, status=ModerationStatus.PUBLISHED)


def awaiting_review(user):
    """Organizations waiting for review that the user's partners have not vouched for yet, the
    newest first: what a partner's staff are asked to look at."""
    partners = partners_run_by(user)
    if not partners.exists():
        return Organization.objects.none()
    return (
        Organization.objects.filter(status=ModerationStatus.PENDING)
        .exclude(members__user=user)
        .exclude(vouches__voucher__in=partners)
        .order_by("-created_at", "-pk")[:AWAITING_SHOWN]
    )


def vouches_shown(organization):
    """The vouches of partners that are partners still, the first first."""
    return organization.vouches.filter(voucher__partner=True).select_related("voucher")
