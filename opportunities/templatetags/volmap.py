from django import template
from django.utils import formats, timezone
from django.utils.translation import get_language

register = template.Library()

THAI_MONTHS = [
    "ม.ค.",
    "ก.พ.",
    "มี.ค.",
    "เม.ย.",
    "พ.ค.",
    "มิ.ย.",
    "ก.ค.",
    "ส.ค.",
    "ก.ย.",
    "ต.ค.",
    "พ.ย.",
    "ธ.ค.",
]


@register.filter
def be_date(value):
    """A date as Thai readers write it: the Buddhist Era year (CE + 543) in Thai; else as usual."""
    if not value:
        return ""
    if hasattr(value, "tzinfo"):  # a moment: its local date
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if get_language() == "th":
        return f"{value.day} {THAI_MONTHS[value.month - 1]} {value.year + 543}"
    return formats.date_format(value, "j M Y")


THAI_MONTH_NAMES = [
    "มกราคม",
    "กุมภาพันธ์",
    "มีนาคม",
    "เมษายน",
    "พฤษภาคม",
    "มิถุนายน",
    "กรกฎาคม",
    "สิงหาคม",
    "กันยายน",
    "ตุลาคม",
    "พฤศจิกายน",
    "ธันวาคม",
]


@register.filter
def be_month(value):
    """A month as Thai readers write it: "ธันวาคม 2569"; else "December 2026"."""
    if not value:
        return ""
    if hasattr(value, "tzinfo") and timezone.is_aware(value):
        value = timezone.localtime(value)
    if get_language() == "th":
        return f"{THAI_MONTH_NAMES[value.month - 1]} {value.year + 543}"
    return formats.date_format(value, "F Y")


@register.filter
def be_datetime(value):
    """A moment, local time, with its Buddhist Era date in Thai: "2 ธ.ค. 2569 10:30"."""
    if not value:
        return ""
    return f"{be_date(value)} {timezone.localtime(value):%H:%M}"


@register.simple_tag
def localized_title(opportunity):
    if get_language() == "en" and opportunity.title_en:
        return opportunity.title_en
    return opportunity.title
