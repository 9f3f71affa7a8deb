from django.urls import reverse
from django.utils.translation import gettext as _
from rest_framework import serializers

from common.geojson import PointField
from geocoding.service import geocode
from places import locating
from places.models import ORGANIZATION_EDITABLE, Organization


def geocoded(address) -> locating.Place:
    """The place of an address, kept by a write serializer until it saves; a 400 that says why
    when the address cannot be placed, never a guess."""
    result = geocode(address)
    if result.lat is None:
        raise serializers.ValidationError({"address": [locating.address_not_found(result)]})
    return locating.found(result)


def take_place(item, pin=None, place=None):
    """Give the item a pin a person placed (exact), or the place its address was found at."""
    if pin is not None:
        locating.give(item, locating.pinned(pin))
    elif place is not None:
        locating.give(item, place)


def organization_feature(org, request=None, distance=None) -> dict:
    """An organization as a GeoJSON Feature (built directly: no serializer on the read path)."""
    url = reverse("organization-detail-page", args=[org.pk])
    properties = {
        "id": org.pk,
        "name_th": org.name_th,
        "name_en": org.name_en,
        "kind": org.kind,
        "description": org.description,
        "address": org.address,
        "precision": org.precision or None,
        **org.area_codes,
        "contacts": {
            "phone": org.phone,
            "email": org.email,
            "website": org.website,
            "line": org.line_id,
            "facebook": org.facebook,
        },
        "verified": org.verified,
        "partner": org.partner,
        "trust": org.trust.value,
        "status": org.status,
        "url": request.build_absolute_uri(url) if request else url,
    }
    if distance is not None:
        properties["distance_km"] = round(distance.km, 3)
    geometry = (
        None
        if org.location is None
        else {"type": "Point", "coordinates": [round(org.location.x, 6), round(org.location.y, 6)]}
    )
    return {"type": "Feature", "id": org.pk, "geometry": geometry, "properties": properties}


class OrganizationWriteSerializer(serializers.ModelSerializer):
    """What staff may write. The point comes from `location` (a pin: precision exact) or else
    from geocoding `address`; an address that cannot be placed is an error, not a guess."""

    location = PointField(required=False, allow_null=True)

    class Meta:
        model = Organization
        fields = [*ORGANIZATION_EDITABLE, "location"]

    def validate(self, data):
        address_changed = "address" in data and data["address"] != getattr(
            self.instance, "address", None
        )
        if data.get("location") is None and "location" in data:
            data.pop("location")
        if "location" not in data and address_changed and data["address"].strip():
            data["_located"] = geocoded(data["address"])
        if self.instance is None and "location" not in data and "_located" not in data:
            raise serializers.ValidationError({"address": [_("Give the address or the location.")]})
        return data

    def _apply(self, org, data):
        located = data.pop("_located", None)
        pin = data.pop("location", None)
        for field, value in data.items():
            setattr(org, field, value)
        take_place(org, pin, located)
        return org

    def create(self, data):
        org = self._apply(Organization(), data)
        org.save()
        return org

    def update(self, org, data):
        self._apply(org, data)
        org.save()
        return org

    def to_representation(self, org):
        return organization_feature(org, self.context.get("request"))


class RejectSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)
