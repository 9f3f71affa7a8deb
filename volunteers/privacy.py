"""Personal data under the PDPA: consents, the coarsened home, a volunteer's copy of their data,
and erasure.

The home is never kept as given. A point that says where someone lives (a map click, a street
address) is snapped once to the centre of a 0.01° grid cell (about 1.1 km); a tambon, district,
province or postal code already names an area, and keeps that area's own point. The result is
stored, so it is the same on every request (a point jittered anew each time could be averaged
back to the home). It is used for matching and for counts that hide small numbers; it is never
served to anyone but the volunteer, nor any distance to it.
"""

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.contrib.gis.geos import Point
from django.db import transaction
from django.utils import timezone

from geocoding.service import reverse_geocode
from volunteers import signups
from volunteers.models import (
    SENSITIVE_CAUSES,
    Consent,
    Purpose,
    SavedSearch,
    SignUp,
    Volunteer,
)

NOTICE_VERSION = "2026-11"  # bump when the privacy notice changes
GRID_DEGREES = 0.01
AREA_PRECISIONS = {"tambon", "amphoe", "province", "postcode"}


# --- consent --------------------------------------------------------------------------------------


def has_consent(user, purpose) -> bool:
    return user.is_authenticated and user.consents.current().filter(purpose=purpose).exists()


def give_consent(user, purpose) -> Consent:
    current = user.consents.current().filter(purpose=purpose).first()
    if current and current.version == NOTICE_VERSION:
        return current
    with transaction.atomic():
        if current:
            current.withdrawn_at = timezone.now()
            current.save(update_fields=["withdrawn_at"])
        return Consent.objects.create(user=user, purpose=purpose, version=NOTICE_VERSION)


def withdraw_consent(user, purpose):
    """Takes effect at once: what the consent allowed is stopped and its data deleted."""
    with transaction.atomic():
        user.consents.current().filter(purpose=purpose).update(withdrawn_at=timezone.now())
        profile = Volunteer.objects.filter(user=user).first()
        if purpose == Purpose.MATCHING and profile:
            forget_home(profile)
            profile.skills, profile.causes, profile.availability = [], [], []
            profile.save()
        elif purpose == Purpose.SENSITIVE:
            drop_sensitive(user)
        elif purpose == Purpose.DIGEST:
            user.saved_searches.all().delete()


def drop_sensitive(user):
    """Remove the choices that need explicit consent from the profile and saved searches."""
    for item in [*Volunteer.objects.filter(user=user), *user.saved_searches.all()]:
        item.causes = [c for c in item.causes if c not in SENSITIVE_CAUSES]
        item.save(update_fields=["causes"])


def needs_explicit_consent(causes) -> bool:
    return bool(set(causes) & SENSITIVE_CAUSES)


# --- the home -------------------------------------------------------------------------------------


def coarsen(point: Point, precision: str) -> tuple[Point, str]:
    """The point to store for a home given at this precision (see the module's docstring)."""
    if precision in AREA_PRECISIONS:
        return Point(point.x, point.y, srid=4326), precision
    x = (int(point.x // GRID_DEGREES) + 0.5) * GRID_DEGREES
    y = (int(point.y // GRID_DEGREES) + 0.5) * GRID_DEGREES
    return Point(round(x, 6), round(y, 6), srid=4326), "grid"


def set_home(profile: Volunteer, point: Point, precision: str):
    """Store the coarsened home; saved searches around the home move with it."""
    profile.home, profile.home_precision = coarsen(point, precision)
    place = reverse_geocode(profile.home.y, profile.home.x)
    profile.home_area_id = place.tambon or place.amphoe or place.province
    SavedSearch.objects.filter(user_id=profile.user_id, around_home=True).update(
        centre=profile.home
    )


def forget_home(profile: Volunteer):
    """No home any more, nor any copy of it: the saved searches around it go too."""
    profile.home = profile.home_area = None
    profile.home_precision = ""
    SavedSearch.objects.filter(user_id=profile.user_id, around_home=True).delete()


# --- the volunteer's copy of their data -----------------------------------------------------------


def _point(point):
    return None if point is None else {"lat": point.y, "lon": point.x}


def export(user) -> dict:
    """Everything held about the user, as JSON-ready data (PDPA section 30)."""
    profile = Volunteer.objects.filter(user=user).first()
    return {
        "exported_at": timezone.now().isoformat(),
        "notice_version": NOTICE_VERSION,
        "account": {
            "email": user.email,
            "date_joined": user.date_joined.isoformat(),
            "last_login": user.last_login and user.last_login.isoformat(),
            "email_verified": user.is_active,
        },
        "profile": profile
        and {
            "display_name": profile.display_name,
            "phone": profile.phone,
            "skills": profile.skills,
            "causes": profile.causes,
            "languages": profile.languages,
            "availability": profile.availability,
            "travel_radius_km": profile.travel_radius_km,
            "home": _point(profile.home),
            "home_precision": profile.home_precision,
            "home_area": profile.home_area_id,
            "created_at": profile.created_at.isoformat(),
            "updated_at": profile.updated_at.isoformat(),
        },
        "consents": [
            {
                "purpose": c.purpose,
                "version": c.version,
                "given_at": c.given_at.isoformat(),
                "withdrawn_at": c.withdrawn_at and c.withdrawn_at.isoformat(),
            }
            for c in user.consents.all()
        ],
        "sign_ups": [
            {
                "opportunity": s.shift.opportunity_id,
                "title": s.shift.opportunity.title,
                "organization": s.shift.opportunity.organization.name_th,
                "shift_starts_at": s.shift.starts_at.isoformat(),
                "shift_ends_at": s.shift.ends_at.isoformat(),
                "status": s.status,
                "signed_up_at": s.created_at.isoformat(),
                "attended": s.attended,
                "hours": None if s.hours is None else float(s.hours),
            }
            for s in SignUp.objects.filter(volunteer=user).select_related(
                "shift__opportunity__organization"
            )
        ],
        "saved_searches": [
            {
                "name": s.name,
                "centre": _point(s.centre),
                "around_home": s.around_home,
                "radius_km": s.radius_km,
                "area": s.area_id,
                "include_remote": s.include_remote,
                "causes": s.causes,
                "skills": s.skills,
                "frequency": s.frequency,
                "created_at": s.created_at.isoformat(),
            }
            for s in SavedSearch.objects.filter(user=user)
        ],
        "digests": [
            {"frequency": d.frequency, "period": d.period.isoformat(), "status": d.status}
            for d in user.digests.all()
        ],
        "organizations": [
            {"organization": m.organization.name_th, "role": m.role}
            for m in user.memberships.select_related("organization")
        ],
    }


def erase(user):
    """Delete the account and everything that identifies the volunteer. Places on shifts yet to
    come are given up (the waiting list moves up); past sign-ups stay, without the volunteer, so
    organizations keep their hours."""
    with transaction.atomic():
        signups.release_upcoming(user)
        SignUp.objects.filter(volunteer=user).update(volunteer=None)
        # Admin log lines name the account (its e-mail address); they go too.
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(user), object_id=str(user.pk)
        ).delete()
        user.delete()  # the profile, consents, saved searches, digests, memberships, tokens
