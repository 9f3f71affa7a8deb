"""HTTP interface of the geocoder: GeoJSON Feature answers, bounded input, rate-limited."""

import logging
import math

from django.conf import settings
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import APIException
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from geocoding.service import (
    CANDIDATE_REASONS,
    MAX_QUERY_LENGTH,
    PRECISIONS,
    RemoteGeocoderError,
    explain,
    explain_candidate,
    geocode,
    reverse_geocode,
)

log = logging.getLogger(__name__)


class GeocodeQuery(serializers.Serializer):
    q = serializers.CharField(max_length=MAX_QUERY_LENGTH, allow_blank=False, trim_whitespace=True)


class Coordinate(serializers.FloatField):
    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not math.isfinite(value):
            raise serializers.ValidationError("must be a finite number")
        return value


class ReverseQuery(serializers.Serializer):
    lat = Coordinate(min_value=-90, max_value=90)
    lon = Coordinate(min_value=-180, max_value=180)


class PointGeometry(serializers.Serializer):
    type = serializers.ChoiceField(["Point"])
    coordinates = serializers.ListField(child=serializers.FloatField(), min_length=2, max_length=2)


class Candidate(serializers.Serializer):
    code = serializers.CharField()
    level = serializers.ChoiceField(["tambon", "amphoe", "province"])
    name_th = serializers.CharField()
    name_en = serializers.CharField()
    tambon = serializers.CharField(allow_null=True)
    amphoe = serializers.CharField(allow_null=True)
    province = serializers.CharField()
    score = serializers.FloatField(required=False)
    label_th = serializers.CharField(help_text="as Thai people write it: ต.… อ.… จ.…")
    label_en = serializers.CharField()
    lat = serializers.FloatField(allow_null=True)
    lon = serializers.FloatField(allow_null=True)
    reason_code = serializers.ChoiceField(
        list(CANDIDATE_REASONS),
        help_text="why it is offered: namesake (another place of the name), inside (a smaller "
        "namesake inside the answer), capital (the province's capital district), similar, "
        "partial (less of the address agrees), postcode",
    )
    reason = serializers.CharField(help_text="why it is offered, in English")
    message = serializers.CharField(help_text="why it is offered, in the request's language")


class GeocodeProperties(serializers.Serializer):
    q = serializers.CharField()
    precision = serializers.ChoiceField(PRECISIONS)
    tambon = serializers.CharField(allow_null=True, help_text="DOPA code")
    amphoe = serializers.CharField(allow_null=True, help_text="DOPA code")
    province = serializers.CharField(allow_null=True, help_text="DOPA code")
    postcode = serializers.CharField(allow_null=True)
    score = serializers.FloatField()
    candidates = Candidate(many=True)
    reason = serializers.CharField(allow_null=True, help_text="why there is no (precise) answer")
    reason_code = serializers.CharField(allow_null=True)
    message = serializers.CharField(
        allow_null=True, help_text="the reason for a person, in the request's language"
    )
    label_th = serializers.CharField(allow_null=True, help_text="the place answered")
    label_en = serializers.CharField(allow_null=True)


class GeocodeFeature(serializers.Serializer):
    type = serializers.ChoiceField(["Feature"])
    geometry = PointGeometry(allow_null=True)
    properties = GeocodeProperties()


class ReverseProperties(serializers.Serializer):
    method = serializers.ChoiceField(["boundary", "nearest", "none"])
    tambon = serializers.CharField(allow_null=True)
    amphoe = serializers.CharField(allow_null=True)
    province = serializers.CharField(allow_null=True)
    names = serializers.DictField(help_text='{"tambon": {"th": …, "en": …}, …}')
    distance_km = serializers.FloatField(allow_null=True)
    reason = serializers.CharField(allow_null=True)


class ReverseFeature(serializers.Serializer):
    type = serializers.ChoiceField(["Feature"])
    geometry = PointGeometry()
    properties = ReverseProperties()


class Problem(serializers.Serializer):
    detail = serializers.CharField()


def feature(lat, lon, properties):
    geometry = None if lat is None else {"type": "Point", "coordinates": [lon, lat]}
    return {"type": "Feature", "geometry": geometry, "properties": properties}


class GeocoderUnavailable(APIException):
    """The remote geocoder failed (the offline gazetteer never does); the cause is logged where
    it is raised (the exception's __cause__ in DRF's log too)."""

    status_code = 503
    default_detail = gettext_lazy(
        "The address search is unavailable for a moment: try again shortly, or click the map."
    )


class GeocodeRate(ScopedRateThrottle):
    """Requests per address, at the rate settings.GEOCODING_RATE names when the request comes
    (DRF's own table is read once, at import)."""

    def get_rate(self):
        return settings.GEOCODING_RATE


class GeocodeThrottled(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [GeocodeRate]
    throttle_scope = "geocode"


class GeocodeView(GeocodeThrottled):
    """A Thai address (or coordinates, or a postal code) → a point with its precision."""

    @extend_schema(
        parameters=[OpenApiParameter("q", str, required=True, description="address")],
        responses={200: GeocodeFeature, 400: OpenApiTypes.OBJECT, 429: Problem, 503: Problem},
    )
    def get(self, request):
        query = GeocodeQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        try:
            result = geocode(query.validated_data["q"])
        except RemoteGeocoderError as exc:
            log.warning("remote geocoder unavailable: %s", exc)
            raise GeocoderUnavailable() from exc
        properties = result.as_dict()
        properties.pop("lat"), properties.pop("lon")
        properties["message"] = explain(result) if result.reason_code else None
        for candidate in properties["candidates"]:
            candidate["message"] = explain_candidate(candidate)
        return Response(feature(result.lat, result.lon, properties))


class ReverseView(GeocodeThrottled):
    """A point → the tambon, amphoe and province it lies in."""

    @extend_schema(
        parameters=[
            OpenApiParameter("lat", float, required=True),
            OpenApiParameter("lon", float, required=True),
        ],
        responses={200: ReverseFeature, 400: OpenApiTypes.OBJECT, 429: Problem},
    )
    def get(self, request):
        query = ReverseQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        result = reverse_geocode(query.validated_data["lat"], query.validated_data["lon"])
        properties = result.as_dict()
        properties.pop("lat"), properties.pop("lon")
        return Response(feature(result.lat, result.lon, properties))
