"""The coordinators' API: needs, incidents, coverage and uncovered needs.

Needs are not public (people in distress, with contacts): coordinators see all of them; someone
who reported a need (for their organization) sees theirs. Incidents that are under way are public
(the map shows the one in disaster mode); coordinators write them."""

import functools
import gzip
import hashlib

import orjson
from django.core.cache import cache
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from common import params as read
from common import precompressed
from common.geojson import PAGING_PARAMETERS, AllFeatures, FeaturePagination, attribution
from common.openapi import collection, feature, geojson_operations
from needs import geometry
from needs.coverage import coverage, coverage_found, gap_order, kept_row, version
from needs.models import MOST_URGENT, Incident, Need, NeedStatus
from needs.params import coverage_filters, filtered_needs
from needs.serializers import (
    IncidentSerializer,
    NeedSerializer,
    coverage_feature,
    incident_feature,
    need_feature,
)
from places.models import ModerationStatus
from places.sql import simplified_boundaries

COVERAGE_CACHE_SECONDS = 3600
# Every tambon, 5.2 MB, to 547 KB in 27 ms; GZipMiddleware's level 6 makes 466 KB in 72 ms, a
# third of the answer's time after a need changed (level 1: 604 KB in 23 ms).
COVERAGE_GZIP_LEVEL = 3


def is_coordinator(user) -> bool:
    return user.is_authenticated and user.has_perm("needs.coordinate")


def may_report_needs(user) -> bool:
    """Coordinators, and the staff of a published organization (one a moderator approved)."""
    return is_coordinator(user) or (
        user.is_authenticated
        and user.memberships.filter(organization__status=ModerationStatus.PUBLISHED).exists()
    )


class IsCoordinator(BasePermission):
    def has_permission(self, request, view):
        return is_coordinator(request.user)


class CoordinatorsWrite(BasePermission):
    def has_permission(self, request, view):
        return request.method in SAFE_METHODS or is_coordinator(request.user)


@geojson_operations("a need", list={"parameters": PAGING_PARAMETERS})
class NeedViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Needs as GeoJSON, most urgent first. Filters: status, incident, category, since (a date),
    area (a DOPA code), bbox. Organization staff and coordinators report needs; coordinators
    assign and resolve them (status, assigned_opportunity, assigned_organization)."""

    serializer_class = NeedSerializer
    pagination_class = FeaturePagination
    permission_classes = [IsAuthenticated]

    def get_queryset(self):
        return Need.objects.visible_to(self.request.user).most_urgent_first()

    def perform_create(self, serializer):
        if not may_report_needs(self.request.user):
            raise PermissionDenied(
                _(
                    "Needs are reported by coordinators and by the staff of organizations that "
                    "a moderator has approved."
                )
            )
        serializer.save()

    def list(self, request, *args, **kwargs):
        filters = coverage_filters(request.query_params, levels=False)
        queryset = filtered_needs(self.get_queryset(), filters)
        if status := read.one_of(request.query_params, "status", NeedStatus):
            queryset = queryset.filter(status=status)
        if area := read.area_code(request.query_params):
            queryset = queryset.in_area(area)
        if bbox := read.bbox(request.query_params):
            queryset = queryset.inside(bbox)
        self.paginator.keyset = MOST_URGENT
        page = self.paginate_queryset(queryset)
        contacts = is_coordinator(request.user)
        return self.paginator.get_paginated_response(
            [
                need_feature(n, contacts=contacts or n.reported_by_id == request.user.pk)
                for n in page
            ]
        )

    @extend_schema(
        parameters=PAGING_PARAMETERS,
        responses={200: collection({"type": "array", "items": feature("an open need, none near")})},
    )
    @action(detail=False, permission_classes=[IsCoordinator])
    def uncovered(self, request):
        """Open needs with no published opportunity within `km` (default 20), most urgent first;
        the coverage filters apply (incident, category, since)."""
        filters = coverage_filters(request.query_params, levels=False)
        queryset = filtered_needs(Need.objects.uncovered(filters["km"]), filters)
        self.paginator.keyset = MOST_URGENT
        page = self.paginate_queryset(queryset.most_urgent_first())
        return self.paginator.get_paginated_response(
            [need_feature(n, contacts=True) for n in page], {"km": filters["km"]}
        )


@geojson_operations("an incident", actions=("area",))
class IncidentViewSet(viewsets.ModelViewSet):
    """Incidents with their affected area (GeoJSON). The ones under way are public; coordinators
    see all and write them. `POST incidents/{id}/area/` takes a GeoJSON file or a zipped
    shapefile as the affected area."""

    serializer_class = IncidentSerializer
    permission_classes = [CoordinatorsWrite]
    pagination_class = AllFeatures

    def get_queryset(self):
        incidents = Incident.objects.all()
        return incidents if is_coordinator(self.request.user) else incidents.active()

    def list(self, request, *args, **kwargs):
        incidents = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response([incident_feature(i, request) for i in incidents])

    @extend_schema(
        request={
            "multipart/form-data": {
                "type": "object",
                "properties": {"file": {"type": "string", "format": "binary"}},
                "required": ["file"],
            }
        }
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser])
    def area(self, request, pk=None):
        incident = self.get_object()
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationError({"file": [_("Upload a GeoJSON file or a zipped shapefile.")]})
        try:
            incident.affected_area = geometry.from_upload(upload)
        except geometry.AreaError as exc:
            raise ValidationError({"file": str(exc)}) from None
        incident.save(update_fields=["affected_area", "updated_at"])
        return Response(incident_feature(incident, request))


class CoverageView(APIView):
    """Coverage per area: open needs (filtered by incident, category, since) beside the help near
    the area, gap score first. level: province, amphoe or tambon; all=1 for every area, not
    only those with open needs; geometry=boundary for simplified official boundaries; lang=th
    or en for the explanations (Thai by default).

    The answer (5 MB for every tambon) is built once for each version of what it is read from
    (needs.coverage.version) and kept gzipped in the cache; a coordinator's page asking again
    gets it as it is, or a 304."""

    permission_classes = [IsCoordinator]

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request):
        filters = coverage_filters(request.query_params)
        every_area = bool(read.flag(request.query_params, "all"))
        shape = read.one_of(request.query_params, "geometry", ["point", "boundary"])
        boundary = shape == "boundary"
        if request.accepted_renderer.format != "json":  # the browsable API
            return Response(coverage_answer(filters, every_area, boundary))
        asked = list(_asked(filters).values())
        key_text = f"{get_language()}|{asked}|{every_area}|{boundary}|{version()}"
        key = "coverage:" + hashlib.sha1(key_text.encode()).hexdigest()  # noqa: S324 (a key)
        gzipped = cache.get(key)
        if gzipped is None:
            answer = coverage_answer(filters, every_area, boundary)
            body = request.accepted_renderer.render(answer)
            gzipped = gzip.compress(body, compresslevel=COVERAGE_GZIP_LEVEL, mtime=0)
            cache.set(key, gzipped, COVERAGE_CACHE_SECONDS)
        return precompressed.response(
            request,
            f'"{key[9:25]}"',
            gzipped=gzipped,
            content_type="application/json",
            cache_control="private, no-cache",
        )


def coverage_answer(filters, every_area, boundary) -> dict:
    found = coverage_found(**_asked(filters), every_area=every_area)
    boundaries = {}
    if boundary:
        boundaries = simplified_boundaries(filters["level"], [f[0] for f in found])
    language = get_language()
    built = sorted(coverage_feature_json(f, language, boundaries.get(f[0])) for f in found)
    return {
        "type": "FeatureCollection",
        "level": filters["level"],
        "features": [feature for _, feature in built],
        **attribution(),
    }


@functools.lru_cache(maxsize=20_000)  # about 1 KB each; a tambon with its boundary, 3 KB
def coverage_feature_json(found, language, boundary=None):
    """(its place in the order, the feature as JSON) of one coverage row as read
    (needs.coverage.coverage_found), in a language, with its boundary (GeoJSON text) if any.
    What the feature shows is all in these, so an unchanged row is built once per process:
    after a need changed, one area's row of 7,000 is built again."""
    row = kept_row(found, language)
    geometry = boundary and orjson.Fragment(boundary)
    return gap_order(row), orjson.Fragment(orjson.dumps(coverage_feature(row, geometry)))


def coverage_rows(filters, every_area=False):
    return coverage(**_asked(filters), every_area=every_area)


def _asked(filters) -> dict:
    return {name: filters[name] for name in ("level", "incident", "category", "since")}
