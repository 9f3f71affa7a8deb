"""What every GeoJSON endpoint shares: a Point field that never hands untrusted text to GEOS or
GDAL, pagination without counting, and the licence that travels with the data."""

import math

from django.conf import settings
from django.contrib.gis.geos import Point
from django.db.models import FloatField, Func
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from common import pages
from common import params as read
from common.openapi import collection
from common.thailand import in_thailand, looks_swapped


# A point's coordinates read in SQL: rows of plain values, no geometry object per row (they
# cost more than the query itself: bench/radius.py, bench/directory.py).
class Lon(Func):
    template = "ST_X(%(expressions)s::geometry)"
    output_field = FloatField()


class Lat(Func):
    template = "ST_Y(%(expressions)s::geometry)"
    output_field = FloatField()


def attribution() -> dict:
    licence = settings.CONTENT_LICENCE
    return {
        "attribution": f"แผนที่ทำดี / Volunteer map of Thailand contributors, {licence['name']}",
        "license": licence["url"],
    }


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
            raise ValidationError(
                _('A GeoJSON Point: {"type": "Point", "coordinates": [lon, lat]}.')
            )
        if set(data) - {"type", "coordinates"}:
            raise ValidationError(_("Only type and coordinates are accepted (no crs)."))
        coordinates = data.get("coordinates")
        if not isinstance(coordinates, list) or len(coordinates) != 2:
            raise ValidationError(_("Coordinates must be [longitude, latitude]."))
        if not all(isinstance(c, int | float) and not isinstance(c, bool) for c in coordinates):
            raise ValidationError(_("Coordinates must be numbers."))
        lon, lat = (float(c) for c in coordinates)
        if not (math.isfinite(lon) and math.isfinite(lat)):
            raise ValidationError(_("Coordinates must be finite numbers."))
        if looks_swapped(lat, lon):
            raise ValidationError(
                _("[%(lon)s, %(lat)s] is outside Thailand: GeoJSON is [lon, lat].")
                % {"lon": lon, "lat": lat}
            )
        if not in_thailand(lat, lon):
            raise ValidationError(
                _("[%(lon)s, %(lat)s] is outside Thailand.") % {"lon": lon, "lat": lat}
            )
        return Point(lon, lat, srid=4326)

    def to_representation(self, value):
        return None if value is None else {"type": "Point", "coordinates": [value.x, value.y]}


# The paging parameters of every FeaturePagination list, for its OpenAPI description.
PAGING_PARAMETERS = [
    OpenApiParameter("after", str, description="where the next page starts: its link's cursor"),
    OpenApiParameter("page_size", int, description="at most 100, 50 unless given"),
]


class FeaturePagination(BasePagination):
    """Pages of features by cursor (common.pages), without COUNT(*): one more row than the page
    is read to know whether a next page exists. The view sets `keyset` (and orders its queryset
    by it), or `radius_km` for a radius search of a nearest_first() queryset
    (pages.nearest_page)."""

    page_size = 50
    max_page_size = 100
    keyset = None
    radius_km = None

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        params = request.query_params
        refuse_page_numbers(params)
        cursor = read.raw(params, "after")
        size = read.whole(
            params, "page_size", low=1, high=self.max_page_size, default=self.page_size
        )
        self.stopped = False
        if self.radius_km is not None:
            rows, self.following, self.stopped = pages.nearest_page(
                queryset, cursor, size, self.radius_km * 1000
            )
        else:
            rows, self.following = pages.keyset_page(queryset, self.keyset, cursor, size)
        self.first = None if cursor is None else remove_query_param(self.url(), "after")
        return rows

    def url(self):
        return self.request.build_absolute_uri()

    def get_paginated_response(self, features, extra=None):
        following = self.following and replace_query_param(self.url(), "after", self.following)
        body = {
            "type": "FeatureCollection",
            **(extra or {}),
            "features": features,
            "next": following,
            "first": self.first,
        }
        if self.stopped:
            body["stopped"] = {"rows": pages.MAX_NEAREST, "detail": pages.stopped_message()}
        return Response({**body, **attribution()})

    def get_paginated_response_schema(self, schema):
        return collection(schema, paged=True)


def refuse_page_numbers(params):
    """Pages used to be numbered (?page=N); a number other than the first is refused with the
    way to go on, rather than quietly answered with the first page."""
    if read.raw(params, "page") not in (None, "1"):
        raise ValidationError(
            {"page": [_("Pages are no longer numbered: follow the “next” link (its “after”).")]}
        )


class AllFeatures(BasePagination):
    """Every feature in one FeatureCollection, for lists that stay short (incidents)."""

    def paginate_queryset(self, queryset, request, view=None):
        return list(queryset)

    def get_paginated_response(self, features):
        return Response({"type": "FeatureCollection", "features": features, **attribution()})

    def get_paginated_response_schema(self, schema):
        return collection(schema, paged=False)
