from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from common import params as read
from common.geojson import PAGING_PARAMETERS, FeaturePagination
from common.openapi import geojson_operations
from common.permissions import IsModerator
from places import staff
from places.filters import filter_organizations
from places.models import Organization
from places.permissions import StaffOrModeratorMayChange
from places.serializers import (
    OrganizationWriteSerializer,
    RejectSerializer,
    listed_organization,
    organization_feature,
    organization_rows,
    organization_url_maker,
)


@geojson_operations(
    "an organization",
    actions=("approve", "reject", "verify"),
    list={
        "parameters": [
            OpenApiParameter("kind", str, description="comma-separated types"),
            OpenApiParameter("area", str, description="DOPA code"),
            OpenApiParameter("q", str, description="words of the Thai or English name"),
            OpenApiParameter("verified", bool),
            OpenApiParameter("cause", str, description="comma-separated; of its opportunities"),
            OpenApiParameter("open", bool, description="with opportunities open now"),
            OpenApiParameter("sort", str, description="name (default) or newest"),
            OpenApiParameter("near", str, description="nearest first around lat,lon or an address"),
            OpenApiParameter("radius_km", float),
            OpenApiParameter("bbox", str),
            OpenApiParameter("mine", bool),
            *PAGING_PARAMETERS,
        ]
    },
)
class OrganizationViewSet(viewsets.ModelViewSet):
    """Organizations as GeoJSON. A new one starts pending review; its creator becomes its owner."""

    serializer_class = OrganizationWriteSerializer
    pagination_class = FeaturePagination
    permission_classes = [StaffOrModeratorMayChange]
    moderate_permission = "places.moderate_organization"

    def get_queryset(self):
        if self.action == "list":
            if read.flag(self.request.query_params, "mine"):
                return Organization.objects.run_by(self.request.user)
            return Organization.objects.published()
        return Organization.objects.visible_to(self.request.user)

    def list(self, request, *args, **kwargs):
        queryset, keyset, about = filter_organizations(self.get_queryset(), request.query_params)
        if keyset is None:
            self.paginator.radius_km = about["radius_km"]
        self.paginator.keyset = keyset
        keys = [name for name, _, _ in keyset.keys] if keyset else ["distance", "knn"]
        page = self.paginate_queryset(organization_rows(queryset, keys))
        url_of = organization_url_maker(request)
        features = [listed_organization(row, url_of) for row in page]
        return self.paginator.get_paginated_response(features, {"search": about} if about else None)

    def retrieve(self, request, *args, **kwargs):
        return Response(organization_feature(self.get_object(), request))

    def perform_create(self, serializer):
        staff.found(serializer.save(), self.request.user)

    def _moderate(self, request, change):
        org = self.get_object()
        change(org)
        return Response(organization_feature(org, request))

    @extend_schema(request=None)
    @action(detail=True, methods=["post"], permission_classes=[IsModerator])
    def approve(self, request, pk=None):
        return self._moderate(request, lambda o: o.approve())

    @extend_schema(request=RejectSerializer)
    @action(detail=True, methods=["post"], permission_classes=[IsModerator])
    def reject(self, request, pk=None):
        reason = RejectSerializer(data=request.data)
        reason.is_valid(raise_exception=True)
        return self._moderate(request, lambda o: o.reject(reason.validated_data["reason"]))

    @extend_schema(request=None)
    @action(detail=True, methods=["post"], permission_classes=[IsModerator])
    def verify(self, request, pk=None):
        return self._moderate(request, lambda o: o.verify(request.user))
