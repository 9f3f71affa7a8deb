"""Validators shared by the models: values a person may mistype, refused with a reason."""

import re
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


_PHONE_SEPARATORS = re.compile(r"[\s\-().]")
_PHONE = re.compile(r"(0\d{8,9}|\+66\d{8,9}|1\d{3})")  # 1xxx: hotlines such as 1669
_EXTENSION = re.compile(r"(ต่อ|ext\.?|x)\s*\d{1,5}\s*$", re.IGNORECASE)


def thai_phone(value: str) -> None:
    """One or more Thai numbers (081 234 5678, 02-123-4567 ต่อ 12, +66 81 234 5678, 1669),
    separated by commas or slashes."""
    for number in re.split(r"[,/]", value):
        number = _PHONE_SEPARATORS.sub("", _EXTENSION.sub("", number.strip()))
        if not _PHONE.fullmatch(number):
            raise ValidationError(
                _("Write a Thai phone number, such as 081 234 5678 or 02 123 4567."),
                code="phone",
            )
