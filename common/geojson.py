"""What every GeoJSON endpoint shares: a Point field that never hands untrusted text to GEOS or
GDAL, pagination without counting, and the licence that travels with the data."""

import math

from django.conf import settings
from django.contrib.gis.geos import Point
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from common import params as read
from common.openapi import collection
from common.thailand import in_thailand, looks_swapped


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
        params = request.query_params
        self.page = read.whole(params, "page", low=1, high=10_000, default=1)
        self.size = read.whole(
            params, "page_size", low=1, high=self.max_page_size, default=self.page_size
        )
        start = (self.page - 1) * self.size
        rows = list(queryset[start : start + self.size + 1])
        self.has_next = len(rows) > self.size
        if self.radius_km is not None:
            limit_m = self.radius_km * 1000
            self.has_next = self.has_next and _metres(rows[-1]) <= limit_m * self.SPHERE_MARGIN
            rows = [row for row in rows[: self.size] if _metres(row) <= limit_m]
        return rows[: self.size]

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
        return collection(schema, paged=True)


class AllFeatures(BasePagination):
    """Every feature in one FeatureCollection, for lists that stay short (incidents)."""

    def paginate_queryset(self, queryset, request, view=None):
        return list(queryset)

    def get_paginated_response(self, features):
        return Response({"type": "FeatureCollection", "features": features, **attribution()})

    def get_paginated_response_schema(self, schema):
        return collection(schema, paged=False)
