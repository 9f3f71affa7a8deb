import json

from django.conf import settings
from django.db.models.functions import Collate
from django.http import HttpResponse, JsonResponse, QueryDict
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.views.decorators.http import require_GET
from rest_framework.exceptions import ValidationError

from common import pages, precompressed
from common import params as read
from common.geojson import attribution, refuse_page_numbers
from common.params import as_whole
from geocoding.near import DEFAULT_RADIUS_KM, RADII_KM, places_meant
from opportunities import exports, tiles
from opportunities.bookings import bookings
from opportunities.filters import filter_opportunities
from opportunities.models import (
    NEWEST,
    SOONEST,
    Opportunity,
    organizations_working_with,
    short_words_message,
)
from opportunities.taxonomy import Cause, Skill
from places import sql as places_sql
from places import trust
from places.filters import ORDERS, filter_organizations
from places.models import BY_NAME, THAI_ORDER, Area, Level, Organization, OrganizationKind
from places.serializers import organization_feature


def _published():
    return Opportunity.objects.published().select_related("organization")


def _filtered(request):
    try:
        queryset, _ = filter_opportunities(_published(), request.GET, complete=True)
    except ValidationError as exc:
        return None, exc
    return queryset.order_by("pk"), None


def _bad_request(exc):
    return JsonResponse(exc.detail, status=400, safe=False)


def opportunities_csv(request):
    queryset, error = _filtered(request)
    if error:
        return _bad_request(error)
    return exports.opportunities_csv(queryset, request)


def opportunities_geojson(request):
    queryset, error = _filtered(request)
    if error:
        return _bad_request(error)
    return exports.opportunities_geojson(queryset, request)


def organizations_csv(request):
    return exports.organizations_csv(Organization.objects.published().order_by("pk"), request)


def organizations_geojson(request):
    features = (
        organization_feature(o, request)
        for o in Organization.objects.published().order_by("pk").iterator(chunk_size=2000)
    )
    return exports.geojson_response(features, "organizations.geojson")


def opportunity_calendar(request, pk):
    opportunity = get_object_or_404(_published().prefetch_related("shifts"), pk=pk)
    return exports.calendar(opportunity.title, [opportunity], request)


def organization_calendar(request, pk):
    organization = get_object_or_404(Organization.objects.published(), pk=pk)
    opportunities = _published().filter(organization=organization).prefetch_related("shifts")
    return exports.calendar(organization.name_th, opportunities, request)


def _structured_data(o, request):
    """schema.org VolunteerAction-style data for search engines."""
    data = {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": o.title,
        "description": o.description,
        "organizer": {
            "@type": "Organization",
            "name": o.organization.name_th,
            "url": request.build_absolute_uri(
                reverse("organization-detail-page", args=[o.organization_id])
            ),
        },
        "eventAttendanceMode": {
            "onsite": "https://schema.org/OfflineEventAttendanceMode",
            "remote": "https://schema.org/OnlineEventAttendanceMode",
            "hybrid": "https://schema.org/MixedEventAttendanceMode",
        }[o.mode],
        "license": attribution()["license"],
    }
    if o.starts_on:
        data["startDate"] = o.starts_on.isoformat()
    if o.ends_on:
        data["endDate"] = o.ends_on.isoformat()
    if o.location is not None:
        data["location"] = {
            "@type": "Place",
            "address": o.address,
            "geo": {"@type": "GeoCoordinates", "latitude": o.location.y, "longitude": o.location.x},
        }
    text = json.dumps(data, ensure_ascii=False)
    # As django's json_script: nothing in the data can close the script element.
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def shift_places(opportunity, user):
    """The opportunity's shifts with the places left and the user's own sign-up on each."""
    # In time order: a GROUP BY query does not follow Meta.ordering.
    shifts = bookings().with_places_taken(opportunity.shifts.order_by("starts_at", "pk"))
    mine = bookings().held_by(user, opportunity) if user.is_authenticated else {}
    now = timezone.now()
    return [
        {
            "shift": s,
            "left": max(s.capacity - s.taken, 0),
            "mine": mine.get(s.pk),
            "open": s.starts_at > now,
        }
        for s in shifts
    ]


def opportunity_detail(request, pk):
    opportunity = get_object_or_404(
        Opportunity.objects.visible_to(request.user)
        .select_related("organization", "area")
        .prefetch_related("shifts"),
        pk=pk,
    )
    return render(
        request,
        "opportunities/detail.html",
        {
            "opportunity": opportunity,
            "shifts": shift_places(opportunity, request.user),
            "structured_data": _structured_data(opportunity, request),
        },
    )


def organization_detail(request, pk):
    organization = get_object_or_404(Organization.objects.visible_to(request.user), pk=pk)
    opportunities = _published().filter(organization=organization).order_by("starts_on")
    return render(
        request,
        "places/organization_detail.html",
        {
            "organization": organization,
            "opportunities": opportunities,
            "vouches": trust.vouches_shown(organization),
            "works_with": organizations_working_with(organization),
        },
    )


@require_GET
def tile(request, layer, z, x, y):
    """A GeoJSON tile; 304 when the browser's copy (ETag) is current."""
    try:
        body, gzipped, etag = tiles.cached_tile(layer, z, x, y, request.GET)
    except (tiles.TileError, ValidationError) as exc:
        detail = exc.detail if isinstance(exc, ValidationError) else str(exc)
        return JsonResponse(
            {"detail": detail}, status=400 if isinstance(exc, ValidationError) else 404
        )
    return precompressed.response(
        request,
        etag,
        body=body,
        gzipped=gzipped,
        content_type="application/geo+json",
        cache_control=f"public, max-age={settings.PUBLIC_MAX_AGE_SECONDS}",
    )


LIST_SIZE = 20
LEADING_VOWELS = "เแโใไ"


def opportunity_list(request):
    """The list without a map: for slow connections and screen readers; the API's filters.
    Pages by cursor (common.pages), the soonest first, or the nearest first around a place (or
    the newest first, for words too short for the index)."""
    error, near, candidates, rows, following, stopped = None, None, [], [], None, False
    short_words = False
    cursor, start = None, 1
    try:
        cursor = read.raw(request.GET, "after")
        # Where this page's numbering starts: the rows before it, carried by the links.
        start = read.whole(request.GET, "start", low=1, high=10**9, default=1) if cursor else 1
        refuse_page_numbers(request.GET)
        queryset, about = filter_opportunities(_published(), _searched(request.GET), paged=True)
        near = about if "radius_km" in about else None
        short_words = "short_words_among" in about
        if near:
            radius_m = near["radius_km"] * 1000
            rows, following, stopped = pages.nearest_page(queryset, cursor, LIST_SIZE, radius_m)
        else:
            # Short words are looked for among the newest: listed in that order, read in it.
            keyset = NEWEST if short_words else SOONEST
            rows, following = pages.keyset_page(keyset.ordered(queryset), keyset, cursor, LIST_SIZE)
    except ValidationError as exc:
        # Nothing listed rather than the whole country under a message about the search.
        error = read.first_message(exc)
        if isinstance(exc.detail, dict) and "near" in exc.detail:
            candidates = places_meant(request.GET, request.GET.get("near", ""))
    first, next_page = _page_links(request.GET, cursor, following, start + len(rows))
    return render(
        request,
        "opportunities/list.html",
        {
            "opportunities": rows,
            "start": start,
            "error": error,
            "candidates": candidates,
            "causes": Cause.choices,
            "skills": Skill.choices,
            "next_page": next_page,
            "first_page": first,
            "stopped": pages.stopped_message() if stopped else "",
            "short_words": short_words_message() if short_words else "",
            "near": near,
            "radii": RADII_KM,
            "radius": as_whole(request.GET.get("radius_km", "")) or DEFAULT_RADIUS_KM,
            "map_query": _map_query(request.GET),
        },
    )


def _page_links(params, cursor, following, next_start):
    """(the first page's query when this is not it, the next page's query or None) of a list
    page: the same search, cursor and row numbering carried by the links."""
    query = params.copy()
    for name in ("page", "after", "start"):
        query.pop(name, None)
    first = query.urlencode() if cursor else None
    if not following:
        return first, None
    query["after"], query["start"] = following, next_start
    return first, query.urlencode()


def _searched(params):
    """The list form's search: its distance box always has a value, which means nothing until a
    place is given (the API, whose callers choose what they send, refuses a radius alone)."""
    if (params.get("near") or "").strip():
        return params
    params = params.copy()
    params.pop("radius_km", None)
    return params


def _map_query(params) -> str:
    """The list's search as the map's address: the same place, distance, words and filters."""
    query = QueryDict(mutable=True)
    for name in (
        "near",
        "q",
        "cause",
        "skill",
        "date_from",
        "date_to",
        "remote",
        "family_friendly",
    ):
        if params.get(name):
            query[name] = params[name]
    if params.get("near"):
        query["r"] = params.get("radius_km") or DEFAULT_RADIUS_KM
    return query.urlencode()


def province_outlines(request):
    """Province boundaries, simplified, so that the map shows Thailand without a base layer."""
    return HttpResponse(
        places_sql.province_outlines(),
        content_type="application/geo+json",
        headers={"Cache-Control": "public, max-age=86400"},
    )


def organization_list(request):
    """Organizations by name (or the newest first, or the nearest first around a place), with
    the directory's filters; pages by cursor (common.pages)."""
    params = _directory_searched(request.GET)
    error, candidates, rows, following, stopped, near = None, [], [], None, False, None
    cursor, start = None, 1
    try:
        cursor = read.raw(params, "after")
        start = read.whole(params, "start", low=1, high=10**9, default=1) if cursor else 1
        refuse_page_numbers(params)
        queryset, keyset, about = filter_organizations(Organization.objects.published(), params)
        near = about or None
        if keyset is None:
            rows, following, stopped = pages.nearest_page(
                queryset, cursor, LIST_SIZE, about["radius_km"] * 1000
            )
        else:
            rows, following = pages.keyset_page(queryset, keyset, cursor, LIST_SIZE)
    except ValidationError as exc:
        error = read.first_message(exc)
        if isinstance(exc.detail, dict) and "near" in exc.detail and params.get("near"):
            candidates = places_meant(request.GET, params["near"])
    first, next_page = _page_links(request.GET, cursor, following, start + len(rows))
    province_names = _name_provinces(rows)
    province = request.GET.get("province", "")
    return render(
        request,
        "places/organization_list.html",
        {
            "organizations": rows,
            "start": start,
            "error": error,
            "candidates": candidates,
            "near": near,
            "stopped": pages.stopped_message() if stopped else "",
            "next_page": next_page,
            "first_page": first,
            "kinds": OrganizationKind.choices,
            "causes": Cause.choices,
            "orders": ORDERS.items(),
            "provinces": list(province_names.items()),
            "amphoes": _areas(Level.AMPHOE, parent=province) if province in province_names else [],
            "radii": RADII_KM,
            "radius": as_whole(request.GET.get("radius_km", "")) or DEFAULT_RADIUS_KM,
        },
    )


def _directory_searched(params):
    """The form's fields as the filters read them: the province and the district chosen as one
    area (the district when it lies in the province); the distance box, which always has a
    value, only with a place."""
    params = params.copy()
    province, amphoe = params.pop("province", [""])[-1], params.pop("amphoe", [""])[-1]
    if amphoe and amphoe.startswith(province):
        params["area"] = amphoe
    elif province:
        params["area"] = province
    if not (params.get("near") or "").strip():
        params.pop("radius_km", None)
    return params


def _areas(level, parent=None) -> list[tuple[str, str]]:
    """(code, name in the page's language) of the areas of a level, by name."""
    name = "name_en" if get_language() == "en" else "name_th"
    areas = Area.objects.filter(level=level)
    if parent:
        areas = areas.filter(parent_id=parent)
    return list(areas.order_by(Collate(name, THAI_ORDER)).values_list("code", name))


def partners(request):
    """The network's partners, with their logos."""
    rows = list(BY_NAME.ordered(Organization.objects.published().filter(partner=True)))
    _name_provinces(rows)
    return render(request, "places/partners.html", {"partners": rows})


def _name_provinces(organizations):
    """Each organization's `province_name`, in the page's language, and its `initial` (a Thai
    name's first consonant: a leading vowel such as เ is written before it, read after it)."""
    names = dict(_areas(Level.PROVINCE))
    for o in organizations:
        o.province_name = names.get((o.area_id or "")[:2], "")
        o.initial = o.name.lstrip(LEADING_VOWELS)[:1]
    return names
