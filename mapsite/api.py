"""Pieces every GeoJSON endpoint shares: input parsing that never reaches GEOS or GDAL with
untrusted text, pagination without counting, and the licence that travels with the data."""

import math

from django.conf import settings
from django.contrib.gis.geos import Point, Polygon
from django.db.models import ProtectedError
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers, views
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from geocoding.service import RemoteGeocoderError, geocode

MAX_RADIUS_KM = 200
DEFAULT_RADIUS_KM = 10
MAX_BBOX_SQUARE_DEGREES = 25.0  # about 5° × 5°: a region, not the whole country at once


def attribution() -> dict:
    licence = settings.CONTENT_LICENCE
    return {
        "attribution": f"แผนที่ทำดี / Volunteer map of Thailand contributors, {licence['name']}",
        "license": licence["url"],
    }


def in_thailand(lat: float, lon: float) -> bool:
    west, south, east, north = settings.THAILAND_EXTENT
    return south <= lat <= north and west <= lon <= east


def parse_float(value, name) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValidationError({name: f"{value!r} is not a number"}) from None
    if not math.isfinite(number):
        raise ValidationError({name: "must be a finite number"})
    return number


def parse_lat_lon(text: str, name: str) -> Point | None:
    """'lat,lon' → Point, or None when the text is not two numbers (it may be an address)."""
    parts = text.split(",")
    if len(parts) != 2:
        return None
    try:
        lat, lon = float(parts[0]), float(parts[1])
    except ValueError:
        return None
    if not (math.isfinite(lat) and math.isfinite(lon)):
        raise ValidationError({name: "coordinates must be finite numbers"})
    if in_thailand(lon, lat):
        raise ValidationError(
            {name: f"({lat}, {lon}) looks like longitude, latitude: write lat,lon"}
        )
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValidationError({name: f"({lat}, {lon}) is not a latitude, longitude pair"})
    if not in_thailand(lat, lon):
        raise ValidationError({name: f"({lat}, {lon}) is outside Thailand"})
    return Point(lon, lat, srid=4326)


def parse_near(params) -> tuple[Point, float, dict] | None:
    """`near=lat,lon` or `near=<address or postal code>` with `radius_km` → (point, km, about)."""
    near = (params.get("near") or "").strip()
    if not near:
        if "radius_km" in params:
            raise ValidationError({"radius_km": "give near=lat,lon or near=<address> with it"})
        return None
    km = parse_float(params.get("radius_km", DEFAULT_RADIUS_KM), "radius_km")
    if not 0 < km <= MAX_RADIUS_KM:
        raise ValidationError({"radius_km": f"must be more than 0 and at most {MAX_RADIUS_KM}"})
    point = parse_lat_lon(near, "near")
    if point is not None:
        return point, km, {"near": [point.y, point.x], "precision": "exact"}
    if len(near) > 300:
        raise ValidationError({"near": "an address of at most 300 characters"})
    try:
        result = geocode(near)
    except RemoteGeocoderError as exc:
        raise GeocoderUnavailable(str(exc)) from None
    if result.lat is None:
        raise ValidationError({"near": f"could not place {near!r}: {result.reason}"})
    return (
        Point(result.lon, result.lat, srid=4326),
        km,
        {
            "near": [result.lat, result.lon],
            "precision": result.precision,
            "geocoded": near,
        },
    )


def parse_bbox(params) -> Polygon | None:
    """`bbox=west,south,east,north` in degrees, bounded in size."""
    raw = params.get("bbox")
    if not raw:
        return None
    parts = raw.split(",")
    if len(parts) != 4:
        raise ValidationError({"bbox": "west,south,east,north"})
    west, south, east, north = (parse_float(p, "bbox") for p in parts)
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        raise ValidationError({"bbox": "west < east and south < north, in degrees"})
    if (east - west) * (north - south) > MAX_BBOX_SQUARE_DEGREES:
        raise ValidationError(
            {"bbox": f"larger than {MAX_BBOX_SQUARE_DEGREES} square degrees: zoom in"}
        )
    return Polygon.from_bbox((west, south, east, north))


class GeocoderUnavailable(APIException):
    status_code = 503
    default_detail = "the geocoding service is unavailable"


@extend_schema_field(
    {
        "type": "object",
        "properties": {
            "type": {"type": "string", "enum": ["Point"]},
            "coordinates": {
                "type": "array",
                "items": {"type": "number"},
                "minItems": 2,
                "maxItems": 2,
            },
        },
        "description": "GeoJSON Point, [longitude, latitude], in Thailand",
    }
)
class PointField(serializers.Field):
    """A GeoJSON Point read by hand: no other geometry, no crs member, nothing for GDAL."""

    def to_internal_value(self, data):
        if not isinstance(data, dict) or data.get("type") != "Point":
            raise ValidationError('a GeoJSON Point: {"type": "Point", "coordinates": [lon, lat]}')
        if set(data) - {"type", "coordinates"}:
            raise ValidationError("only type and coordinates are accepted")
        coordinates = data.get("coordinates")
        if not isinstance(coordinates, list) or len(coordinates) != 2:
            raise ValidationError("coordinates must be [longitude, latitude]")
        if not all(isinstance(c, int | float) and not isinstance(c, bool) for c in coordinates):
            raise ValidationError("coordinates must be numbers")
        lon, lat = (float(c) for c in coordinates)
        if not (math.isfinite(lon) and math.isfinite(lat)):
            raise ValidationError("coordinates must be finite numbers")
        if not in_thailand(lat, lon):
            swapped = (
                " (given as [lat, lon]? GeoJSON is [lon, lat])" if in_thailand(lon, lat) else ""
            )
            raise ValidationError(f"[{lon}, {lat}] is outside Thailand{swapped}")
        return Point(lon, lat, srid=4326)

    def to_representation(self, value):
        return None if value is None else {"type": "Point", "coordinates": [value.x, value.y]}


def _metres(row):
    """A row's `distance` annotation, from a model instance or a values() dict."""
    return (row["distance"] if isinstance(row, dict) else row.distance).m


class FeaturePagination(BasePagination):
    """Pages of features without COUNT(*): one more row than the page is read to know whether
    a next page exists (counting every match is what makes radius queries slow).

    A radius search (`radius_km` set by the view) pages a nearest-first queryset and cuts each
    page at the radius by the rows' exact distance. ST_DWithin in the query would be exact too,
    but PostgreSQL misjudges how many rows it keeps and, for wide radii, reads and sorts every
    match instead of following the GiST index's nearest-first order for one page (measured in
    bench/radius.py)."""

    page_size = 50
    max_page_size = 100
    radius_km = None
    # Index order is on the sphere, the cut on the spheroid: they differ by under 0.5%, so
    # pages go on while the next row is this close to the radius.
    SPHERE_MARGIN = 1.006

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.page = self._int(request.query_params.get("page", 1), "page", 1, 10_000)
        self.size = self._int(
            request.query_params.get("page_size", self.page_size),
            "page_size",
            1,
            self.max_page_size,
        )
        start = (self.page - 1) * self.size
        rows = list(queryset[start : start + self.size + 1])
        self.has_next = len(rows) > self.size
        if self.radius_km is not None:
            limit_m = self.radius_km * 1000
            self.has_next = self.has_next and _metres(rows[-1]) <= limit_m * self.SPHERE_MARGIN
            rows = [row for row in rows[: self.size] if _metres(row) <= limit_m]
        return rows[: self.size]

    @staticmethod
    def _int(value, name, low, high):
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise ValidationError({name: "a whole number"}) from None
        if not low <= number <= high:
            raise ValidationError({name: f"between {low} and {high}"})
        return number

    def links(self):
        url = self.request.build_absolute_uri()
        following = replace_query_param(url, "page", self.page + 1) if self.has_next else None
        if self.page <= 1:
            previous = None
        elif self.page == 2:
            previous = remove_query_param(url, "page")
        else:
            previous = replace_query_param(url, "page", self.page - 1)
        return following, previous

    def get_paginated_response(self, features, extra=None):
        following, previous = self.links()
        return Response(
            {
                "type": "FeatureCollection",
                **(extra or {}),
                "features": features,
                "next": following,
                "previous": previous,
                **attribution(),
            }
        )

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "properties": {
                "type": {"type": "string", "enum": ["FeatureCollection"]},
                "features": schema,
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "previous": {"type": "string", "nullable": True, "format": "uri"},
                "attribution": {"type": "string"},
                "license": {"type": "string", "format": "uri"},
            },
        }


class InUse(APIException):
    status_code = 409
    default_detail = (
        "volunteers have signed up for its shifts and their history is kept: close it instead"
    )
    default_code = "in_use"


def exception_handler(exc, context):
    """DRF's, and a deletion that would take volunteers' sign-ups with it is a 409."""
    if isinstance(exc, ProtectedError):
        exc = InUse()
    return views.exception_handler(exc, context)
