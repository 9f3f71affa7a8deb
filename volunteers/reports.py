"""What an organization's staff see of their volunteers: coming shifts and how full they are,
volunteers and hours per month, and the roster with hours as a file. Names and contacts only for
the organization's own shifts, never where anyone lives."""

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from opportunities.models import Shift
from volunteers.models import SignUp, SignUpStatus

MONTHS_SHOWN = 6


def coming_shifts(organization, limit=20):
    """The next shifts of the organization's opportunities, with places taken and waiting."""
    shifts = (
        Shift.objects.filter(opportunity__organization=organization, ends_at__gte=timezone.now())
        .select_related("opportunity")
        .annotate(
            taken=Count("sign_ups", filter=Q(sign_ups__status=SignUpStatus.CONFIRMED)),
            waiting=Count("sign_ups", filter=Q(sign_ups__status=SignUpStatus.WAITLISTED)),
        )
        .order_by("starts_at")[:limit]
    )
    return [
        {
            "shift": s,
            "taken": s.taken,
            "waiting": s.waiting,
            "fill": round(100 * s.taken / s.capacity) if s.capacity else 0,
        }
        for s in shifts
    ]


def monthly(organization, months=MONTHS_SHOWN):
    """[(month, volunteers who came, hours)] for the last months that had any, newest first."""
    rows = (
        SignUp.objects.filter(
            shift__opportunity__organization=organization,
            attended=True,
            shift__starts_at__lte=timezone.now(),
        )
        .annotate(month=TruncMonth("shift__starts_at"))
        .values("month")
        .annotate(people=Count("volunteer", distinct=True), hours=Sum("hours"))
        .order_by("-month")[:months]
    )
    return [(r["month"], r["people"], r["hours"] or 0) for r in rows]


ROSTER_COLUMNS = [
    "opportunity",
    "shift_starts_at",
    "shift_ends_at",
    "name",
    "email",
    "phone",
    "status",
    "attended",
    "hours",
]


def roster_rows(organization):
    """Every sign-up on the organization's shifts, oldest shift first (for the CSV)."""
    return (
        SignUp.objects.filter(shift__opportunity__organization=organization)
        .select_related("shift__opportunity", "volunteer__volunteer")
        .order_by("shift__starts_at", "created_at")
    )


def roster_row(signup, request):
    user = signup.volunteer
    profile = getattr(user, "volunteer", None) if user else None
    local = timezone.localtime
    return [
        signup.shift.opportunity.title,
        local(signup.shift.starts_at).isoformat(timespec="minutes"),
        local(signup.shift.ends_at).isoformat(timespec="minutes"),
        profile.display_name if profile else "",
        user.email if user else "",
        profile.phone if profile else "",
        signup.status,
        "" if signup.attended is None else ("yes" if signup.attended else "no"),
        "" if signup.hours is None else signup.hours,
    ]
