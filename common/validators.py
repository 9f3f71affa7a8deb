"""Validators shared by the models: values a person may mistype, refused with a reason."""

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

FIRST_YEAR, LAST_YEAR = 2000, 2100
BUDDHIST_ERA_OFFSET = 543


def plausible_date(value: date | datetime) -> None:
    """A day between the years 2000 and 2100; a Buddhist Era year is named as such."""
    year = value.year
    if FIRST_YEAR + BUDDHIST_ERA_OFFSET <= year <= LAST_YEAR + BUDDHIST_ERA_OFFSET:
        raise ValidationError(
            _(
                "The year %(year)s looks like a Buddhist Era year: write the Common Era year "
                "%(ce)s."
            ),
            params={"year": year, "ce": year - BUDDHIST_ERA_OFFSET},
            code="buddhist_era",
        )
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValidationError(
            _("A date between the years %(first)s and %(last)s."),
            params={"first": FIRST_YEAR, "last": LAST_YEAR},
            code="implausible_date",
        )
