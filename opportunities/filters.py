"""The filters of the opportunity API, exports and map, read from query parameters: one place,
so that every view filters alike. Unknown values are errors, never silently ignored."""

from django.utils import timezone

from common import params as read
from geocoding.near import read_near
from opportunities.models import SHORT_WORDS_AMONG, short_words_only
from opportunities.taxonomy import Cause, Mode, Schedule, Skill

MAX_QUERY_LENGTH = 200

# Filters whose SQL holds their values and nothing read from the database at the time: a radius
# search with no other parameters is compiled once per set of values (search_key).
PLAIN_FILTERS = {
    "cause",
    "skill",
    "mode",
    "schedule",
    "remote",
    "family_friendly",
    "date_from",
    "date_to",
}
NOT_FILTERS = {"near", "radius_km", "page_size", "format", "lang"}

# Filters on what apps above this one keep (the needs app: `incident`), added by them at start-up:
# {parameter: function(queryset, params) → queryset}. What such a parameter means is theirs.
_added = {}


def add_filter(parameter: str, function) -> None:
    _added[parameter] = function


def filter_opportunities(queryset, params, *, paged=False, complete=False):
    """Returns (queryset, about): `about` says where a radius search was centred, and whether
    short words were looked for only among the newest (`short_words_among`). `paged`: the
    caller reads one page and cuts it at about["radius_km"] (faster; see FeaturePagination).
    `complete`: every match however costly (exports), never only the newest."""
    if causes := read.many_of(params, "cause", Cause):
        queryset = queryset.for_causes(causes)
    if skills := read.many_of(params, "skill", Skill):
        queryset = queryset.for_skills(skills)
    if modes := read.many_of(params, "mode", Mode):
        queryset = queryset.filter(mode__in=modes)
    if schedules := read.many_of(params, "schedule", Schedule):
        queryset = queryset.filter(schedule__in=schedules)
    if (remote := read.flag(params, "remote")) is not None:
        queryset = (
            queryset.filter(mode__in=[Mode.REMOTE, Mode.HYBRID])
            if remote
            else queryset.exclude(mode=Mode.REMOTE)
        )
    if (family := read.flag(params, "family_friendly")) is not None:
        queryset = queryset.filter(family_friendly=family)
    queryset = queryset.between(*read.date_range(params))
    if organization := read.identifier(params, "organization"):
        queryset = queryset.filter(organization_id=organization)
    for function in _added.values():
        queryset = function(queryset, params)
    if area := read.area_code(params):
        queryset = queryset.in_area(area)
    about = {}
    if text := read.text(params, "q", max_length=MAX_QUERY_LENGTH):
        near_page = paged and params.get("near")  # a radius page reads a bounded number itself
        if short_words_only(text) and not complete and not near_page:
            queryset = queryset.among_newest(SHORT_WORDS_AMONG)
            about["short_words_among"] = SHORT_WORDS_AMONG
        queryset = queryset.search(text)
    if bbox := read.bbox(params):
        queryset = queryset.inside(bbox)
    if near := read_near(params):
        point, km, about = near
        queryset = (
            queryset.exclude(location=None).nearest_first(point)
            if paged
            else queryset.within_km(point, km)
        )
        about["radius_km"] = km
    return queryset, about


def search_key(params):
    """What a first page of a radius search compiles to, but for its point, when that is the
    values of plain filters and the day (`published()` holds it); None for any other list."""
    names = set(params) - NOT_FILTERS
    if "near" not in params or not names <= PLAIN_FILTERS:
        return None
    return (timezone.localdate(), *sorted((name, tuple(params.getlist(name))) for name in names))


# The directory's filters on organizations by their opportunities (places.filters.add_filter).


def organizations_for_causes(queryset, params):
    """`cause`: organizations with a published opportunity, open or past, for one of them."""
    if causes := read.many_of(params, "cause", Cause):
        queryset = queryset.working_for(causes)
    return queryset


def organizations_with_open_work(queryset, params):
    """`open=true`: organizations with an opportunity the public can join now."""
    if read.flag(params, "open"):
        queryset = queryset.with_open_work()
    return queryset
