"""The sign-ups as the opportunities app asks for them (opportunities.bookings.Bookings): supplied
when Django starts (volunteers.apps)."""

from django.db.models import Count, Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from volunteers.models import SignUp, SignUpStatus

ACTIVE = [SignUpStatus.CONFIRMED, SignUpStatus.WAITLISTED]


class SignUps:
    def with_places_taken(self, shifts):
        return shifts.annotate(
            taken=Count("sign_ups", filter=Q(sign_ups__status=SignUpStatus.CONFIRMED))
        )

    def held_by(self, user, opportunity) -> dict:
        held = SignUp.objects.filter(
            volunteer=user, status__in=ACTIVE, shift__opportunity=opportunity
        )
        return {signup.shift_id: signup for signup in held}

    def change_refused(self, shift, capacity):
        if capacity is None:
            if shift.sign_ups.exists():
                return _("volunteers have signed up for this shift: it cannot be deleted")
            return None
        confirmed = shift.sign_ups.filter(status=SignUpStatus.CONFIRMED).count()
        if capacity < confirmed:
            return ngettext(
                "%(n)d volunteer is confirmed: give at least %(n)d place",
                "%(n)d volunteers are confirmed: give at least %(n)d places",
                confirmed,
            ) % {"n": confirmed}
        return None
