"""Needs, incidents and coverage rows as GeoJSON features, and what coordinators write."""

import json

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import serializers

from common.geojson import PointField
from needs import geometry
from needs.models import CATEGORIES, INCIDENT_EDITABLE, NEED_EDITABLE, Incident, Need
from opportunities.models import Opportunity
from places.models import ModerationStatus, Organization
from places.serializers import geocoded, take_place
from places.staff import runs

as_point = PointField().to_representation  # GeoJSON, as the API writes every point


def need_feature(n: Need, *, contacts: bool) -> dict:
    code = n.area_id or ""
    properties = {
        "id": n.pk,
        "title": n.title,
        "description": n.description,
        "category": n.category,
        "urgency": n.urgency,
        "people_affected": n.people_affected,
        "status": n.status,
        "address": n.address,
        "precision": n.precision or None,
        "province": code[:2] or None,
        "amphoe": code[:4] if len(code) >= 4 else None,
        "tambon": code if len(code) == 6 else None,
        "incident": n.incident_id,
        "assigned_opportunity": n.assigned_opportunity_id,
        "assigned_organization": n.assigned_organization_id,
        "created_at": n.created_at.isoformat(),
        "updated_at": n.updated_at.isoformat(),
    }
    if contacts:
        properties["reporter"] = {
            "name": n.reporter_name,
            "phone": n.reporter_phone,
            "email": n.reporter_email,
        }
    return {
        "type": "Feature",
        "id": n.pk,
        "geometry": as_point(n.location),
        "properties": properties,
    }


def incident_feature(i: Incident, request=None) -> dict:
    area = None if i.affected_area is None else json.loads(i.affected_area.geojson)
    url = reverse("opportunity-list-page") + f"?incident={i.pk}"
    return {
        "type": "Feature",
        "id": i.pk,
        "geometry": area,
        "properties": {
            "id": i.pk,
            "name": i.name,
            "name_en": i.name_en,
            "description": i.description,
            "starts_on": i.starts_on.isoformat(),
            "ends_on": i.ends_on and i.ends_on.isoformat(),
            "disaster_mode": i.disaster_mode,
            "opportunities_url": request.build_absolute_uri(url) if request else url,
        },
    }


def coverage_feature(row: dict, boundary=None) -> dict:
    area = row["area"]
    return {
        "type": "Feature",
        "id": area.code,
        "geometry": boundary
        or (None if area.lon is None else {"type": "Point", "coordinates": [area.lon, area.lat]}),
        "properties": {
            "code": area.code,
            "level": area.level,
            "name_th": area.name_th,
            "name_en": area.name_en,
            "open_needs": row["needs"],
            "critical_needs": row["critical"],
            "people_affected": row["people"],
            "opportunities_in_area": row["opportunities_in"],
            "opportunities_near": row["opportunities_near"],
            "nearest_opportunity_km": None
            if row["nearest_km"] is None
            else round(row["nearest_km"], 1),
            "free_places": row["free_places"],
            "volunteers": row["volunteers"],
            "gap_score": row["gap"],
            "explanation": row["explanation"],
            "help_computed_at": row["computed_at"] and row["computed_at"].isoformat(),
        },
    }


class NeedSerializer(serializers.ModelSerializer):
    """A need: its place from `location` (a GeoJSON Point: exact) or by geocoding `address`."""

    location = PointField(required=False, allow_null=True)
    category = serializers.ChoiceField(CATEGORIES)
    reporting_organization = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.all(), required=False, allow_null=True
    )
    assigned_opportunity = serializers.PrimaryKeyRelatedField(
        queryset=Opportunity.objects.all(), required=False, allow_null=True
    )

    class Meta:
        model = Need
        fields = [*NEED_EDITABLE, "reporting_organization", "location"]
        extra_kwargs = {"people_affected": {"max_value": 10_000_000}}

    def validate_reporting_organization(self, org):
        user = self.context["request"].user
        if org is None or user.has_perm("needs.coordinate"):
            return org
        if not runs(user, org):
            raise serializers.ValidationError(_("You are not on this organization's staff."))
        if org.status != ModerationStatus.PUBLISHED:
            raise serializers.ValidationError(
                _("A moderator has not approved this organization yet.")
            )
        return org

    def validate(self, data):
        user = self.context["request"].user
        if not user.has_perm("needs.coordinate"):
            for field in ("status", "assigned_opportunity", "assigned_organization", "incident"):
                if field in data and (
                    self.instance is None or getattr(self.instance, field) != data[field]
                ):
                    raise serializers.ValidationError({field: [_("Only coordinators set this.")]})
        pin = data.get("location")
        if pin is None and "address" in data:
            data["_located"] = geocoded(data["address"])
        elif pin is None and (self.instance is None or self.instance.location is None):
            raise serializers.ValidationError({"address": [_("Give the address or the location.")]})
        return data

    def _apply(self, need, data):
        located, pin = data.pop("_located", None), data.pop("location", None)
        for field, value in data.items():
            setattr(need, field, value)
        take_place(need, pin, located)
        if need.status == "resolved" and need.resolved_at is None:
            need.resolved_at = timezone.now()

    @transaction.atomic
    def create(self, data):
        need = Need(reported_by=self.context["request"].user)
        self._apply(need, data)
        need.save()
        return need

    @transaction.atomic
    def update(self, need, data):
        self._apply(need, data)
        need.save()
        return need

    def to_representation(self, need):
        return need_feature(need, contacts=True)


class IncidentSerializer(serializers.ModelSerializer):
    affected_area = serializers.JSONField(required=False, allow_null=True)
    opportunities = serializers.PrimaryKeyRelatedField(
        queryset=Opportunity.objects.all(), many=True, required=False
    )

    class Meta:
        model = Incident
        fields = [*INCIDENT_EDITABLE, "opportunities"]

    def validate_affected_area(self, value):
        if value is None:
            return None
        try:
            return geometry.from_geojson(value)
        except geometry.AreaError as exc:
            raise serializers.ValidationError(str(exc)) from None

    def validate(self, data):
        incident = self.instance or Incident()  # a new one starts today unless told
        starts = data.get("starts_on", incident.starts_on)
        ends = data.get("ends_on", incident.ends_on)
        if starts and ends and ends < starts:
            raise serializers.ValidationError(
                {"ends_on": [_("The incident cannot end before it starts.")]}
            )
        taken = data.get("disaster_mode") and incident.disaster_mode_taken()
        if taken:
            raise serializers.ValidationError(
                {
                    "disaster_mode": [
                        _("“%(name)s” is in disaster mode: switch it off first.")
                        % {"name": taken.name}
                    ]
                }
            )
        return data

    def to_representation(self, incident):
        return incident_feature(incident, self.context.get("request"))
