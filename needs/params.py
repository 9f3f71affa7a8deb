"""The coordinator's filters, read from query parameters alike by the API, the page and the
exports. Unknown values are errors."""

from common import params as read
from needs.coverage import LEVEL_DIGITS, NEED_REACH_KM, SHORTEST_KM
from needs.models import CATEGORIES, Need

CATEGORY_CODES = [code for code, _label in CATEGORIES]
MAX_KM = NEED_REACH_KM  # as far as the needs' nearest help is kept


def coverage_filters(params, levels=True) -> dict:
    """The filters; without a level, the finest at which every open need they select is counted
    (opening on tambons would hide the needs known only by their district). levels=False: for
    lists of needs, which have no level (finding it reads every open need)."""
    filters = {
        "incident": read.identifier(params, "incident"),
        "category": read.one_of(params, "category", CATEGORY_CODES),
        "since": read.day(params, "since"),
        "km": read.whole(params, "km", low=SHORTEST_KM, high=MAX_KM, default=20),
    }
    filters["level"] = read.one_of(params, "level", LEVEL_DIGITS)
    if levels and not filters["level"]:
        filters["level"] = filtered_needs(Need.objects.open(), filters).finest_level_showing_all()
    return filters


def filtered_needs(queryset, filters):
    return queryset.filtered(
        incident=filters["incident"], category=filters["category"], since=filters["since"]
    )


def opportunities_of_incident(queryset, params):
    """`incident=<id>` on the opportunity lists, map and exports (opportunities.filters): those
    attached to the incident."""
    if incident := read.identifier(params, "incident"):
        queryset = queryset.filter(incidents=incident)
    return queryset
