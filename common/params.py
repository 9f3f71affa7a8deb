"""Query parameters, read once and strictly, with errors a person can act on in their language.

Every view reads its parameters through these functions, so that a value is either what it says or
a 400 with the reason: whole numbers are ASCII digits within bounds (`str.isdigit` also accepts
"²", which `int` then refuses), no text carries a NUL (PostgreSQL refuses it), dates are real days
in a sensible range, and choices are among the known ones.
"""

import math
import re
from datetime import date

from django.contrib.gis.geos import Polygon
from django.db.models import Choices
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError

from common.validators import BUDDHIST_ERA_OFFSET, FIRST_YEAR, LAST_YEAR

_DIGITS = re.compile(r"[0-9]{1,18}")
_AREA_CODE = re.compile(r"[0-9]{2}(?:[0-9]{2}(?:[0-9]{2})?)?")
MAX_ID = 10**18  # well inside a PostgreSQL bigint
MAX_TEXT = 300
MAX_BBOX_SQUARE_DEGREES = 25.0  # about 5° × 5°: a region, not the whole country at once
TRUE, FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


def _fail(name, message):
    raise ValidationError({name: [message]})


def raw(params, name) -> str | None:
    """The parameter as given, stripped; None when absent or empty; never with a NUL."""
    value = params.get(name)
    if value is None:
        return None
    if "\x00" in value:
        _fail(name, _("The value contains a NUL character."))
    return value.strip() or None


def whole(params, name, *, low: int, high: int, default: int | None = None) -> int | None:
    value = raw(params, name)
    if value is None:
        return default
    if not _DIGITS.fullmatch(value) or not low <= int(value) <= high:
        _fail(
            name,
            _("A whole number from %(low)s to %(high)s.") % {"low": low, "high": f"{high:,}"},
        )
    return int(value)


def as_whole(value) -> int | None:
    """A whole number written in ASCII digits (at most 18), or None."""
    if not isinstance(value, str) or not _DIGITS.fullmatch(value.strip()):
        return None
    return int(value)


def as_identifier(value) -> int | None:
    """An id from text (a form's hidden field, say), or None when it is not one."""
    number = as_whole(value)
    return number if number is not None and 1 <= number <= MAX_ID else None


def identifier(params, name) -> int | None:
    value = raw(params, name)
    if value is None:
        return None
    number = as_identifier(value)
    if number is None:
        _fail(name, _("An identifier: a whole number of at least 1."))
    return number


def number(params, name, *, low: float, high: float, default: float | None = None):
    """A finite decimal number in (low, high]: no NaN, no infinity, no exponent tricks."""
    value = raw(params, name)
    if value is None:
        return default
    try:
        result = float(value)
    except ValueError:
        _fail(name, _("“%(value)s” is not a number.") % {"value": value[:40]})
    if not math.isfinite(result) or not low < result <= high:
        _fail(
            name,
            _("A number more than %(low)s and at most %(high)s.")
            % {"low": f"{low:g}", "high": f"{high:g}"},
        )
    return result


def text(params, name, *, max_length: int = MAX_TEXT) -> str:
    value = raw(params, name) or ""
    if len(value) > max_length:
        _fail(name, _("At most %(n)s characters.") % {"n": max_length})
    return value


def flag(params, name) -> bool | None:
    value = raw(params, name)
    if value is None:
        return None
    if value.lower() in TRUE:
        return True
    if value.lower() in FALSE:
        return False
    _fail(name, _("Yes or no: true or false."))


def _allowed(allowed) -> list[str]:
    """The values of a Choices class, or of any iterable (a dict's keys)."""
    if isinstance(allowed, type) and issubclass(allowed, Choices):
        return allowed.values
    return list(allowed)


def one_of(params, name, allowed, default=None):
    """One value of `allowed` (a TextChoices class or an iterable of values)."""
    value = raw(params, name)
    if value is None:
        return default
    values = _allowed(allowed)
    if value not in values:
        _fail(name, _("Unknown value “%(value)s”.") % {"value": value[:40]})
    return value


def many_of(params, name, allowed) -> list[str]:
    """Comma-separated values of `allowed`; unknown ones are an error, never dropped."""
    value = raw(params, name)
    if value is None:
        return []
    values = _allowed(allowed)
    chosen = [v.strip() for v in value.split(",") if v.strip()]
    unknown = [v for v in chosen if v not in values]
    if unknown:
        _fail(name, _("Unknown value “%(value)s”.") % {"value": ", ".join(unknown)[:80]})
    return list(dict.fromkeys(chosen))


def day(params, name) -> date | None:
    """YYYY-MM-DD between FIRST_YEAR and LAST_YEAR; a Buddhist Era year is named as such."""
    value = raw(params, name)
    if value is None:
        return None
    try:
        result = date.fromisoformat(value)
    except ValueError:
        _fail(name, _("A date as YYYY-MM-DD."))
    if FIRST_YEAR + BUDDHIST_ERA_OFFSET <= result.year <= LAST_YEAR + BUDDHIST_ERA_OFFSET:
        _fail(
            name,
            _("The year %(year)s looks like a Buddhist Era year: write the Common Era year %(ce)s.")
            % {"year": result.year, "ce": result.year - BUDDHIST_ERA_OFFSET},
        )
    if not FIRST_YEAR <= result.year <= LAST_YEAR:
        _fail(
            name,
            _("A date between the years %(first)s and %(last)s.")
            % {"first": FIRST_YEAR, "last": LAST_YEAR},
        )
    return result


def date_range(params, first="date_from", last="date_to") -> tuple[date | None, date | None]:
    start, end = day(params, first), day(params, last)
    if start and end and end < start:
        _fail(last, _("The end date is before the start date."))
    return start, end


def area_code(params, name="area") -> str | None:
    value = raw(params, name)
    if value is None:
        return None
    if not _AREA_CODE.fullmatch(value):
        _fail(
            name,
            _("An area code: 2 digits (province), 4 (district) or 6 (subdistrict)."),
        )
    return value


def first_message(error: ValidationError) -> str:
    """A ValidationError's messages as one line, for a page that shows them beside a form."""
    detail = error.detail
    items = detail.values() if isinstance(detail, dict) else [detail]
    messages = []
    for item in items:
        messages += [str(m) for m in item] if isinstance(item, list) else [str(item)]
    return " ".join(messages)


def bbox(params) -> Polygon | None:
    """`bbox=west,south,east,north` in degrees, bounded in size."""
    given = raw(params, "bbox")
    if not given:
        return None
    parts = given.split(",")
    if len(parts) != 4:
        raise ValidationError({"bbox": [_("Four numbers: west,south,east,north.")]})
    try:
        west, south, east, north = (float(p) for p in parts)
    except ValueError:
        raise ValidationError({"bbox": [_("Four numbers: west,south,east,north.")]}) from None
    if not all(math.isfinite(v) for v in (west, south, east, north)) or not (
        -180 <= west < east <= 180 and -90 <= south < north <= 90
    ):
        raise ValidationError(
            {"bbox": [_("West must be less than east and south less than north, in degrees.")]}
        )
    if (east - west) * (north - south) > MAX_BBOX_SQUARE_DEGREES:
        raise ValidationError(
            {
                "bbox": [
                    _("The box is larger than %(n)s square degrees: zoom in.")
                    % {"n": f"{MAX_BBOX_SQUARE_DEGREES:g}"}
                ]
            }
        )
    return Polygon.from_bbox((west, south, east, north))
