"""The coordinator's filters, read from query parameters alike by the API, the page and the
exports. Unknown values are errors."""

from common import params as read
from needs.coverage import LEVEL_DIGITS
from needs.models import CATEGORIES

CATEGORY_CODES = [code for code, _label in CATEGORIES]
MAX_KM = 200


def coverage_filters(params) -> dict:
    return {
        "level": read.one_of(params, "level", LEVEL_DIGITS, default="tambon"),
        "incident": read.identifier(params, "incident"),
        "category": read.one_of(params, "category", CATEGORY_CODES),
        "since": read.day(params, "since"),
        "km": read.whole(params, "km", low=1, high=MAX_KM, default=20),
    }


def filtered_needs(queryset, filters):
    return queryset.filtered(
        incident=filters["incident"], category=filters["category"], since=filters["since"]
    )
