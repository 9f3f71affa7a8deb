import logging

from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from geocoding.near import DEFAULT_RADIUS_KM, RADII_KM
from needs.models import Incident
from opportunities import tiles
from opportunities.taxonomy import Cause, Skill
from places.models import OrganizationKind

log = logging.getLogger(__name__)


@never_cache
@require_GET
def healthz(request):
    """Liveness for probes: is the database reachable, and which PostGIS does it run."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT postgis_lib_version()")
            (postgis_version,) = cursor.fetchone()
    except DatabaseError as exc:
        log.error("healthz: database unavailable: %s", exc)
        # Drop the broken connection so the next probe reconnects instead of reusing it.
        connection.close_if_unusable_or_obsolete()
        return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok", "postgis": postgis_version})


def map_config(incident=None):
    """What the map's script needs: URLs, labels and its words in the page's language."""
    return {
        "incident": incident
        and {"id": incident.pk, "url": reverse("incident-detail", args=[incident.pk])},
        "lang": get_language(),
        "tiles": reverse("tile", args=["opportunities", 0, 0, 0]).replace(
            "/0/0/0.", "/{z}/{x}/{y}."
        ),
        "org_tiles": reverse("tile", args=["organizations", 0, 0, 0]).replace(
            "/0/0/0.", "/{z}/{x}/{y}."
        ),
        "org_api": reverse("organization-list"),
        "org_page": reverse("organization-detail-page", args=[0]).replace("/0/", "/{id}/"),
        "kinds": dict(OrganizationKind.choices),
        "outlines": reverse("province-outlines"),
        "api": reverse("opportunity-list"),  # the API's router names it so
        "geocode": reverse("geocode"),
        "detail": reverse("opportunity-detail-page", args=[0]).replace("/0/", "/{id}/"),
        "list_page": reverse("opportunity-list-page"),
        "saved_searches": reverse("saved-searches"),
        "radius_km": DEFAULT_RADIUS_KM,
        "radii": list(RADII_KM),
        "max_zoom": tiles.MAX_ZOOM - 2,
        "causes": dict(Cause.choices),
        "text": {
            "cluster": _("{n} opportunities here: zoom in"),
            "org_cluster": _("{n} organizations here"),
            "org_one": _("One organization here"),
            "verified": _("verified"),
            "partner": _("partner"),
            "orgs_in_area": _("Organizations in this area"),
            "orgs_by_name": _("Organizations across Thailand, by name (zoom in to list an area)"),
            "no_orgs": _("No organization here yet."),
            "cluster_list": _("{n} opportunities here: see the list"),
            "same_place": _("{n} opportunities at this place"),
            "here": _("{n} here"),
            "approximate": _("Approximate place: the exact address was not found"),
            "details": _("Details and sign-up"),
            "ongoing": _("ongoing"),
            "km": _("{km} km away"),
            "in_area": _("Opportunities in this area"),
            "newest": _("Newest across Thailand (zoom in to list an area)"),
            "nearest": _("Nearest first, within {km} km of {place}"),
            "nothing": _("Nothing here yet. Try another place or fewer filters."),
            "searching": _("Searching…"),
            "locating": _("Finding where you are…"),
            "found": _("{n} found within {km} km of {place}."),
            "none_within": _("Nothing within {km} km. Try a larger distance or fewer filters."),
            "not_found": _("Could not find that place."),
            "not_found_named": _("Could not find “{q}”."),
            "choose": _("Which place do you mean?"),
            "or_maybe": _("Or did you mean:"),
            "try_another": _("Try a province, a district or a postal code."),
            "no_location": _("Your browser did not share a location."),
            "your_location": _("where you are"),
            "failed": _("Something went wrong. Please try again."),
            "date_range": _("Choose dates between the years 2000 and 2100."),
            "dates_reversed": _("The end date is before the start date."),
            "fix_dates": _("Correct the dates in the filters to see opportunities."),
            "buddhist_year": _(
                "The year {year} looks like a Buddhist Era year: write the Common Era year {ce}."
            ),
        },
    }


def home(request):
    incident = Incident.objects.in_disaster_mode()
    return render(
        request,
        "home.html",
        {
            "incident": incident,
            "map_config": map_config(incident),
            "causes": Cause.choices,
            "skills": Skill.choices,
            "radii": RADII_KM,
            "default_radius": DEFAULT_RADIUS_KM,
        },
    )
