"""The `near` query parameter: a place as "lat,lon", a postal code, a place name or an address,
with the radius around it (`radius_km`)."""

import logging
import math

from django.contrib.gis.geos import Point
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError

from common import params as read
from common.thailand import in_thailand, looks_swapped
from geocoding.api import GeocoderUnavailable
from geocoding.service import (
    MAX_QUERY_LENGTH,
    RemoteGeocoderError,
    explain,
    explain_candidate,
    geocode,
)

log = logging.getLogger(__name__)

MAX_RADIUS_KM = 200
DEFAULT_RADIUS_KM = 10
RADII_KM = (5, 10, 25, 50)  # what the pages offer to choose


def lat_lon(text: str, name: str) -> Point | None:
    """'lat,lon' → Point, or None when the text is not two numbers (it may be an address)."""
    parts = text.split(",")
    if len(parts) != 2:
        return None
    try:
        lat, lon = float(parts[0]), float(parts[1])
    except ValueError:
        return None
    if not (math.isfinite(lat) and math.isfinite(lon)):
        raise ValidationError({name: [_("Coordinates must be finite numbers.")]})
    if looks_swapped(lat, lon):
        raise ValidationError(
            {
                name: [
                    _("(%(lat)s, %(lon)s) looks like longitude, latitude: write lat,lon.")
                    % {"lat": lat, "lon": lon}
                ]
            }
        )
    if not in_thailand(lat, lon):
        raise ValidationError(
            {name: [_("(%(lat)s, %(lon)s) is outside Thailand.") % {"lat": lat, "lon": lon}]}
        )
    return Point(lon, lat, srid=4326)


def read_near(params) -> tuple[Point, float, dict] | None:
    """`near=lat,lon` or `near=<address or postal code>` with `radius_km` → (point, km, about)."""
    near = read.text(params, "near", max_length=MAX_QUERY_LENGTH)
    km = read.number(params, "radius_km", low=0, high=MAX_RADIUS_KM, default=DEFAULT_RADIUS_KM)
    if not near:
        if read.raw(params, "radius_km") is not None:
            raise ValidationError({"radius_km": [_("Give a place (near) with the radius.")]})
        return None
    point = lat_lon(near, "near")
    if point is not None:
        return point, km, {"near": [point.y, point.x], "precision": "exact"}
    try:
        result = geocode(near)
    except RemoteGeocoderError as exc:
        log.warning("remote geocoder unavailable: %s", exc)
        raise GeocoderUnavailable() from exc
    if result.lat is None:
        # A name several places share was found, more than once: the reason says so alone.
        message = (
            explain(result)
            if result.reason_code == "ambiguous"
            else _("Could not find “%(place)s”: %(reason)s")
            % {"place": near, "reason": explain(result)}
        )
        raise ValidationError({"near": [message]})
    return (
        Point(result.lon, result.lat, srid=4326),
        km,
        {
            "near": [result.lat, result.lon],
            "precision": result.precision,
            "geocoded": near,
            "label": (result.label_en if get_language() == "en" else result.label_th) or near,
        },
    )


def places_meant(params, text: str) -> list[tuple[str, str, str]]:
    """[(label, the same query near it, why it is offered)] for the places a name that was not
    found may mean: a list page offers them as links."""
    result = geocode(text[:MAX_QUERY_LENGTH], use_remote=False)
    key = "label_en" if get_language() == "en" else "label_th"
    meant = []
    for candidate in result.candidates:
        if candidate.get(key):
            query = params.copy()
            query["near"] = candidate[key]
            query.pop("after", None)
            # Every place of a name not found shares it: only another reason is worth saying.
            why = explain_candidate(candidate) if candidate["reason_code"] != "namesake" else ""
            meant.append((candidate[key], query.urlencode(), why))
    return meant
