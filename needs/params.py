"""The coordinator's filters, read from query parameters alike by the API, the page and the
exports. Unknown values are errors."""

from datetime import date

from rest_framework.exceptions import ValidationError

from needs.coverage import LEVEL_DIGITS
from needs.models import CATEGORIES

CATEGORY_CODES = [code for code, _label in CATEGORIES]
MAX_KM = 200


def _whole(params, name, default, low, high):
    raw = params.get(name)
    if raw in (None, ""):
        return default
    if not str(raw).isdigit() or not low <= int(raw) <= high:
        raise ValidationError({name: f"a whole number from {low} to {high}"})
    return int(raw)


def coverage_filters(params) -> dict:
    level = params.get("level") or "tambon"
    if level not in LEVEL_DIGITS:
        raise ValidationError({"level": "province, amphoe or tambon"})
    category = params.get("category") or None
    if category and category not in CATEGORY_CODES:
        raise ValidationError({"category": f"choose from {', '.join(CATEGORY_CODES)}"})
    since = params.get("since") or None
    if since:
        try:
            since = date.fromisoformat(since)
        except ValueError:
            raise ValidationError({"since": "a date as YYYY-MM-DD"}) from None
    return {
        "level": level,
        "incident": _whole(params, "incident", None, 1, 2**62),
        "category": category,
        "since": since,
        "km": _whole(params, "km", 20, 1, MAX_KM),
    }


def filtered_needs(queryset, filters):
    return queryset.filtered(
        incident=filters["incident"], category=filters["category"], since=filters["since"]
    )
