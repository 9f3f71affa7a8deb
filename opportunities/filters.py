"""The filters of the opportunity API, exports and map, read from query parameters: one place,
so that every view filters alike. Unknown values are errors, never silently ignored."""

import re
from datetime import date

from rest_framework.exceptions import ValidationError

from mapsite.api import parse_bbox, parse_near
from opportunities.taxonomy import Cause, Mode, Schedule, Skill

_AREA_CODE = re.compile(r"^\d{2}(\d{2}(\d{2})?)?$")


def _choices(params, name, allowed):
    raw = params.get(name)
    if not raw:
        return []
    values = [v.strip() for v in raw.split(",") if v.strip()]
    unknown = [v for v in values if v not in allowed.values]
    if unknown:
        raise ValidationError(
            {name: f"unknown {', '.join(unknown)}; choose from {', '.join(allowed.values)}"}
        )
    return values


def _date(params, name):
    raw = params.get(name)
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValidationError({name: "a date as YYYY-MM-DD"}) from None


def _flag(params, name):
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    if raw.lower() in ("1", "true", "yes"):
        return True
    if raw.lower() in ("0", "false", "no"):
        return False
    raise ValidationError({name: "true or false"})


def filter_opportunities(queryset, params, *, paged=False):
    """Returns (queryset, about): `about` says where a radius search was centred. `paged`: the
    caller reads one page and cuts it at about["radius_km"] (faster; see FeaturePagination)."""
    if causes := _choices(params, "cause", Cause):
        queryset = queryset.for_causes(causes)
    if skills := _choices(params, "skill", Skill):
        queryset = queryset.for_skills(skills)
    if modes := _choices(params, "mode", Mode):
        queryset = queryset.filter(mode__in=modes)
    if schedules := _choices(params, "schedule", Schedule):
        queryset = queryset.filter(schedule__in=schedules)
    if (remote := _flag(params, "remote")) is not None:
        queryset = (
            queryset.filter(mode__in=[Mode.REMOTE, Mode.HYBRID])
            if remote
            else queryset.exclude(mode=Mode.REMOTE)
        )
    if (family := _flag(params, "family_friendly")) is not None:
        queryset = queryset.filter(family_friendly=family)
    start, end = _date(params, "date_from"), _date(params, "date_to")
    if start and end and end < start:
        raise ValidationError({"date_to": "must not be before date_from"})
    queryset = queryset.between(start, end)
    if organization := params.get("organization"):
        if not organization.isdigit():
            raise ValidationError({"organization": "an organization id"})
        queryset = queryset.filter(organization_id=int(organization))
    if incident := params.get("incident"):
        if not incident.isdigit():
            raise ValidationError({"incident": "an incident id"})
        queryset = queryset.filter(incidents=int(incident))
    if area := params.get("area"):
        if not _AREA_CODE.match(area):
            raise ValidationError(
                {"area": "a DOPA code: 2 (province), 4 (amphoe) or 6 (tambon) digits"}
            )
        queryset = queryset.in_area(area)
    if text := (params.get("q") or "").strip():
        if len(text) > 200:
            raise ValidationError({"q": "at most 200 characters"})
        queryset = queryset.search(text)
    if bbox := parse_bbox(params):
        queryset = queryset.filter(location__intersects=bbox)
    about = {}
    if near := parse_near(params):
        point, km, about = near
        queryset = (
            queryset.exclude(location=None).nearest_first(point)
            if paged
            else queryset.within_km(point, km)
        )
        about["radius_km"] = km
    return queryset, about
