"""Who works for an organization. Only its owners (and superusers) change that, and every change is
kept in StaffChange: staff read the contacts of the volunteers on their rosters, so moderators,
who may edit an organization, must not be able to put themselves on its staff."""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _

from places.models import Membership, Organization, StaffChange


class StaffError(ValueError):
    pass


def runs(user, organization: Organization) -> bool:
    """Is the user on the organization's staff?"""
    return user.is_authenticated and organization.members.filter(user=user).exists()


def may_manage_staff(user, organization: Organization) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return organization.members.filter(user=user, role=Membership.Role.OWNER).exists()


def record(actor, membership, action):
    StaffChange.objects.create(
        organization_id=membership.organization_id,
        actor=actor,
        member=membership.user,
        member_email=membership.user.email or membership.user.username,
        action=action,
        role=membership.role,
    )


def _check(actor, organization):
    if not may_manage_staff(actor, organization):
        raise StaffError(_("Only the organization's owners can change its staff."))


def found(organization: Organization, founder) -> Membership:
    """The person who registers an organization is its first owner."""
    membership = Membership.objects.create(
        user=founder, organization=organization, role=Membership.Role.OWNER
    )
    record(founder, membership, StaffChange.Action.ADDED)
    return membership


@transaction.atomic
def add(actor, organization: Organization, email: str, role: str) -> Membership:
    _check(actor, organization)
    user = (
        get_user_model()
        .objects.filter(email__iexact=email.strip(), is_active=True)
        .order_by("pk")
        .first()
    )
    if user is None:
        raise StaffError(
            _(
                "No confirmed account has this e-mail address: ask the person to register "
                "(“Become a volunteer”) and confirm their address first."
            )
        )
    if runs(user, organization):
        raise StaffError(_("This person is on the staff already."))
    membership = Membership.objects.create(user=user, organization=organization, role=role)
    record(actor, membership, StaffChange.Action.ADDED)
    return membership


def _keeps_an_owner(membership: Membership, new_role: str | None) -> bool:
    if membership.role != Membership.Role.OWNER or new_role == Membership.Role.OWNER:
        return True
    others = membership.organization.members.filter(role=Membership.Role.OWNER)
    return others.exclude(pk=membership.pk).exists()


@transaction.atomic
def change_role(actor, membership: Membership, role: str) -> None:
    _check(actor, membership.organization)
    if role == membership.role:
        return
    if not _keeps_an_owner(membership, role):
        raise StaffError(_("An organization needs at least one owner."))
    membership.role = role
    membership.save(update_fields=["role"])
    record(actor, membership, StaffChange.Action.ROLE)


@transaction.atomic
def remove(actor, membership: Membership) -> None:
    _check(actor, membership.organization)
    if not _keeps_an_owner(membership, None):
        raise StaffError(_("An organization needs at least one owner."))
    record(actor, membership, StaffChange.Action.REMOVED)
    membership.delete()
