from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from common import pages
from common import params as read
from common.geojson import PAGING_PARAMETERS, FeaturePagination
from common.openapi import geojson_operations
from common.permissions import IsModerator
from geocoding.near import read_near
from opportunities.filters import filter_opportunities, search_key
from opportunities.models import NEWEST, Opportunity, TransitionError, short_words_message
from opportunities.serializers import (
    OpportunityWriteSerializer,
    detail_url_maker,
    listed_feature,
    listing,
    opportunity_detail,
)
from places.permissions import StaffOrModeratorMayChange
from places.serializers import RejectSerializer

FILTERS = [
    OpenApiParameter("cause", str, description="comma-separated causes"),
    OpenApiParameter("skill", str, description="comma-separated skills"),
    OpenApiParameter("mode", str, description="onsite, remote, hybrid (comma-separated)"),
    OpenApiParameter("schedule", str, description="one_off, recurring, ongoing, event"),
    OpenApiParameter("remote", bool),
    OpenApiParameter("family_friendly", bool),
    OpenApiParameter("date_from", OpenApiTypes.DATE),
    OpenApiParameter("date_to", OpenApiTypes.DATE),
    OpenApiParameter("organization", int),
    OpenApiParameter("area", str, description="DOPA code"),
    OpenApiParameter("q", str, description="words in the title, description or organization"),
    OpenApiParameter("near", str, description="lat,lon or an address or postal code"),
    OpenApiParameter("radius_km", float, description="with near: 0 < radius ≤ 200, default 10"),
    OpenApiParameter("bbox", str, description="west,south,east,north (at most 25 square degrees)"),
    OpenApiParameter("mine", bool, description="the opportunities of my organizations, any status"),
    *PAGING_PARAMETERS,
]

# First pages of radius searches, compiled once per set of filters (pages.NearestStatement).
NEAREST = pages.Statements(size=256)


@geojson_operations(
    "an opportunity",
    actions=("submit", "close", "approve", "reject"),
    list={"parameters": FILTERS},
)
class OpportunityViewSet(viewsets.ModelViewSet):
    """Volunteer opportunities as GeoJSON. Reading is public (published ones; staff also see their
    own); writing needs the organization's staff; moderation needs a moderator."""

    serializer_class = OpportunityWriteSerializer
    pagination_class = FeaturePagination
    permission_classes = [StaffOrModeratorMayChange]
    moderate_permission = "opportunities.moderate_opportunity"

    def get_queryset(self):
        queryset = Opportunity.objects.select_related("organization")
        if self.action == "list":
            if read.flag(self.request.query_params, "mine"):
                return (
                    queryset.filter(organization__members__user=self.request.user)
                    if self.request.user.is_authenticated
                    else queryset.none()
                )
            return queryset.published()
        return queryset.visible_to(self.request.user).prefetch_related("shifts", "co_organizers")

    def list(self, request, *args, **kwargs):
        params = request.query_params
        if (key := search_key(params)) is not None and (near := read_near(params)):
            point, km, about = near
            about["radius_km"] = self.paginator.radius_km = km
            statement = NEAREST.get(key, lambda: pages.NearestStatement(self._listed(), point))
            rows = statement.around(point)
        else:
            queryset, about = self._filtered()
            if "radius_km" in about:
                self.paginator.radius_km = about["radius_km"]
            else:
                queryset, self.paginator.keyset = queryset.newest_first(), NEWEST
            rows = listing(queryset)
        page = self.paginate_queryset(rows)
        url_of = detail_url_maker(request)
        features = [listed_feature(row, url_of) for row in page]
        if "short_words_among" in about:
            about["detail"] = short_words_message()
        return self.paginator.get_paginated_response(features, {"search": about} if about else None)

    def _filtered(self):
        return filter_opportunities(self.get_queryset(), self.request.query_params, paged=True)

    def _listed(self):
        return listing(self._filtered()[0])

    def retrieve(self, request, *args, **kwargs):
        return Response(opportunity_detail(self.get_object(), request))

    def perform_destroy(self, instance):
        instance.delete()

    def _transition(self, request, change):
        opportunity = self.get_object()
        try:
            change(opportunity)
        except TransitionError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        return Response(opportunity_detail(opportunity, request))

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Send a draft for review (published at once for a verified organization)."""
        return self._transition(request, lambda o: o.submit())

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self._transition(request, lambda o: o.close())

    @extend_schema(request=None)
    @action(detail=True, methods=["post"], permission_classes=[IsModerator])
    def approve(self, request, pk=None):
        return self._transition(request, lambda o: o.approve())

    @extend_schema(request=RejectSerializer)
    @action(detail=True, methods=["post"], permission_classes=[IsModerator])
    def reject(self, request, pk=None):
        reason = RejectSerializer(data=request.data)
        reason.is_valid(raise_exception=True)
        return self._transition(request, lambda o: o.reject(reason.validated_data["reason"]))
