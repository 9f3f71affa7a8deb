from django.urls import reverse
from django.utils.translation import gettext as _
from rest_framework import serializers

from common.geojson import Lat, Lon, PointField
from geocoding.service import geocode
from places import locating
from places.models import ORGANIZATION_EDITABLE, Organization, Trust


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


# An organization's columns in its Feature (listed_organization), read as plain values.
ORGANIZATION_FIELDS = [
    "id",
    "name_th",
    "name_en",
    "kind",
    "description",
    "address",
    "precision",
    "area_id",
    "phone",
    "email",
    "website",
    "line_id",
    "facebook",
    "verified",
    "partner",
    "status",
]


def organization_rows(queryset, keys=()):
    """The rows of a list of organizations: their fields, the `keys` a page is cut by (common
    .pages), and the point's coordinates; no model instance or geometry object."""
    names = [*ORGANIZATION_FIELDS, *(k for k in keys if k not in ORGANIZATION_FIELDS)]
    return queryset.values(*names, lon=Lon("location"), lat=Lat("location"))


def organization_url_maker(request=None):
    """Builds organizations' page URLs without a reverse() per feature."""
    template = reverse("organization-detail-page", args=[999999999])
    if request is not None:
        template = request.build_absolute_uri(template)
    head, tail = template.split("999999999")
    return lambda pk: f"{head}{pk}{tail}"


def listed_organization(row, url_of) -> dict:
    """A row of organization_rows() as a GeoJSON Feature: the one builder of an organization's
    Feature (organization_feature gives it an instance's row)."""
    code = row["area_id"] or ""
    properties = {
        "id": row["id"],
        "name_th": row["name_th"],
        "name_en": row["name_en"],
        "kind": row["kind"],
        "description": row["description"],
        "address": row["address"],
        "precision": row["precision"] or None,
        "province": code[:2] or None,
        "amphoe": code[:4] if len(code) >= 4 else None,
        "tambon": code if len(code) == 6 else None,
        "contacts": {
            "phone": row["phone"],
            "email": row["email"],
            "website": row["website"],
            "line": row["line_id"],
            "facebook": row["facebook"],
        },
        "verified": row["verified"],
        "partner": row["partner"],
        "trust": Trust.of(row["verified"], row["partner"]).value,
        "status": row["status"],
        "url": url_of(row["id"]),
    }
    if row.get("distance") is not None:
        properties["distance_km"] = round(row["distance"].km, 3)
    geometry = (
        None
        if row["lon"] is None
        else {"type": "Point", "coordinates": [round(row["lon"], 6), round(row["lat"], 6)]}
    )
    return {"type": "Feature", "id": row["id"], "geometry": geometry, "properties": properties}


def organization_feature(org, request=None, distance=None) -> dict:
    """An organization instance as a GeoJSON Feature, by the same builder as a listed row."""
    row = {name: getattr(org, name) for name in ORGANIZATION_FIELDS}
    row["distance"] = distance
    row["lon"], row["lat"] = (org.location.x, org.location.y) if org.location else (None, None)
    return listed_organization(row, organization_url_maker(request))


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
