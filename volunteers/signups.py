"""Signing up for shifts: never more confirmed volunteers than places, a waiting list that moves
up by itself, attendance and hours.

Two guards hold the capacity. Here, each change locks the shift's row (SELECT … FOR UPDATE), so
sign-ups to one shift queue one behind the other and each sees the places the previous ones took.
In the database, a trigger (migration 0002) locks the same row and refuses a confirmed sign-up
beyond the capacity, whatever wrote it.
"""

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from opportunities.models import Opportunity, Shift
from volunteers import mail, tasks
from volunteers.events import sign_up_changed
from volunteers.models import Purpose, SignUp, SignUpStatus

log = logging.getLogger(__name__)

REMINDER_AHEAD = timedelta(hours=24)


class SignUpError(Exception):
    """Why a volunteer cannot sign up (or cancel); the message is for them."""


def sign_up(user, shift_id) -> tuple[SignUp, bool]:
    """Sign the user up for the shift: confirmed while places are left, else on the waiting list.
    Signing up twice returns the first sign-up. Returns (sign-up, created)."""
    if not user.is_active:
        raise SignUpError(_("Verify your e-mail address first."))
    if not user.consents.current().filter(purpose=Purpose.ACCOUNT).exists():
        raise SignUpError(_("Set up your volunteer profile first: it asks for your consent."))
    with transaction.atomic():
        try:
            shift = Shift.objects.select_for_update().get(pk=shift_id)
        except Shift.DoesNotExist:
            raise SignUpError(_("There is no such shift.")) from None
        if not Opportunity.objects.published().filter(pk=shift.opportunity_id).exists():
            raise SignUpError(_("This opportunity is not open for sign-ups."))
        if shift.starts_at <= timezone.now():
            raise SignUpError(_("This shift has already started."))
        existing = SignUp.objects.active().filter(shift=shift, volunteer=user).first()
        if existing:
            return existing, False
        _promote(shift)  # places freed without a promotion (a bulk update) go to those waiting
        taken = shift.sign_ups.confirmed().count()
        status = SignUpStatus.CONFIRMED if taken < shift.capacity else SignUpStatus.WAITLISTED
        signup = SignUp.objects.create(shift=shift, volunteer=user, status=status)
        transaction.on_commit(lambda: tasks.shift_email.delay(signup.pk, "signed_up"))
        changed(signup, status)
    return signup, True


def changed(signup: SignUp, change: str) -> None:
    sign_up_changed.send(SignUp, sign_up=signup, change=change)


def cancel(signup: SignUp) -> SignUp:
    """The volunteer cancels; a confirmed place goes to the first on the waiting list."""
    with transaction.atomic():
        shift = Shift.objects.select_for_update().get(pk=signup.shift_id)
        signup.refresh_from_db()
        if signup.status == SignUpStatus.CANCELLED:
            return signup
        if shift.starts_at <= timezone.now():
            raise SignUpError(_("This shift has already started."))
        signup.status = SignUpStatus.CANCELLED
        signup.save(update_fields=["status", "updated_at"])
        changed(signup, "cancelled")
        _promote(shift)
    return signup


def promote(shift_id) -> list[SignUp]:
    """Give free places to the waiting list, first come first served (after a cancellation or
    when the organization adds places)."""
    with transaction.atomic():
        shift = Shift.objects.get(pk=shift_id)
        return _promote(shift)


def _promote(shift) -> list[SignUp]:
    if shift.starts_at <= timezone.now():
        return []
    free = shift.capacity - shift.sign_ups.confirmed().count()
    if free <= 0:
        return []
    moving = list(shift.sign_ups.filter(status=SignUpStatus.WAITLISTED)[:free])
    for signup in moving:
        signup.status = SignUpStatus.CONFIRMED
        signup.save(update_fields=["status", "updated_at"])
        transaction.on_commit(lambda pk=signup.pk: tasks.shift_email.delay(pk, "promoted"))
        changed(signup, "promoted")
    return moving


def release_upcoming(user):
    """Cancel the user's sign-ups to shifts yet to come (when they erase their account)."""
    for signup in SignUp.objects.active().upcoming().filter(volunteer=user):
        cancel(signup)


def call_off(opportunity):
    """The opportunity was closed or rejected: its volunteers' places on shifts to come are
    cancelled, and each is told by e-mail."""
    for signup in SignUp.objects.active().upcoming().filter(shift__opportunity=opportunity):
        signup.status = SignUpStatus.CANCELLED
        signup.save(update_fields=["status", "updated_at"])
        if signup.volunteer_id:
            transaction.on_commit(lambda pk=signup.pk: tasks.shift_email.delay(pk, "called_off"))


def record_attendance(signup: SignUp, attended: bool, hours=None) -> SignUp:
    """The organization marks whether the volunteer came and for how long (default: the shift's
    length when they came, none when they did not)."""
    if signup.status != SignUpStatus.CONFIRMED:
        raise SignUpError(_("Only confirmed volunteers can be marked."))
    if signup.shift.starts_at > timezone.now():
        raise SignUpError(_("Attendance is recorded once the shift has started."))
    if not attended:
        hours = None
    elif hours is None:
        length = signup.shift.ends_at - signup.shift.starts_at
        hours = min(round(length.total_seconds() / 3600, 2), 24)
    signup.attended, signup.hours = attended, hours
    signup.save(update_fields=["attended", "hours", "updated_at"])
    return signup


def send_reminders(now=None, ahead=REMINDER_AHEAD) -> int:
    """E-mail every confirmed volunteer whose shift starts within `ahead`, once: each sign-up is
    marked reminded before its e-mail goes, so runs that overlap never send it twice."""
    now = now or timezone.now()
    due = SignUp.objects.confirmed().filter(
        reminded_at=None,
        volunteer__isnull=False,
        shift__starts_at__gt=now,
        shift__starts_at__lte=now + ahead,
        shift__opportunity__in=Opportunity.objects.published(),
    )
    sent = 0
    for pk in due.values_list("pk", flat=True):
        if SignUp.objects.filter(pk=pk, reminded_at=None).update(reminded_at=now):
            try:
                mail.reminder(pk)
            except Exception:  # not sent: the next run tries again
                log.exception("reminder for sign-up %s failed", pk)
                SignUp.objects.filter(pk=pk).update(reminded_at=None)
                continue
            sent += 1
    return sent
