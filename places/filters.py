"""The filters and orders of the organization directory, for its page and the API alike, read
from query parameters. Unknown values are errors, never silently ignored."""

from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError

from common import params as read
from geocoding.near import read_near
from places.models import (
    BY_NAME,
    BY_NAME_SEARCHED,
    NEWEST_ORGANIZATIONS,
    NEWEST_SEARCHED,
    OrganizationKind,
)

MAX_QUERY_LENGTH = 200
FEW_MATCHES = 300  # sorted in a few ms; more are found faster along the order's index
ORDERS = {"name": _("name (A to Z)"), "newest": _("newest first"), "distance": _("distance")}

# Filters on what apps above this one keep (opportunities: `cause`, `open`), added by them at
# start-up: {parameter: function(queryset, params) → queryset}.
_added = {}


def add_filter(parameter: str, function) -> None:
    _added[parameter] = function


def filter_organizations(queryset, params):
    """(queryset, keyset or None, about). Sorted by distance (the default with `near`), the
    queryset is nearest first and the keyset None: the caller pages it by
    common.pages.nearest_page, cut at about["radius_km"]. Otherwise it is ordered by the keyset,
    by name (the default) or the newest first, within the radius of `near` when one is given."""
    if kinds := read.many_of(params, "kind", OrganizationKind):
        queryset = queryset.filter(kind__in=kinds)
    if area := read.area_code(params):
        queryset = queryset.in_area(area)
    if (verified := read.flag(params, "verified")) is not None:
        queryset = queryset.filter(verified=verified)
    for function in _added.values():
        queryset = function(queryset, params)
    searched = read.text(params, "q", max_length=MAX_QUERY_LENGTH)
    if searched:
        queryset = queryset.search(searched)
    if bbox := read.bbox(params):
        queryset = queryset.inside(bbox)
    near = read_near(params)
    order = read.one_of(params, "sort", ORDERS, default="distance" if near else "name")
    if order == "distance" and not near:
        raise ValidationError({"near": [_("Give a place to sort by distance from it.")]})
    about = {}
    if near:
        point, km, about = near
        about["radius_km"] = km
        if order == "distance":
            return queryset.exclude(location=None).nearest_first(point), None, about
        queryset = queryset.within_km(point, km)
    # A search with few matches sorts them; one with many finds a page by walking the order.
    few = searched and queryset.order_by()[:FEW_MATCHES].count() < FEW_MATCHES
    if order == "newest":
        keyset = NEWEST_SEARCHED if few else NEWEST_ORGANIZATIONS
    else:
        keyset = BY_NAME_SEARCHED if few else BY_NAME
    return keyset.ordered(queryset), keyset, about
