from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from rest_framework import serializers

from common import pages
from common.geojson import Lat, Lon, PointField
from opportunities.models import NEWEST, OPPORTUNITY_EDITABLE, SOONEST, Opportunity, Shift
from opportunities.taxonomy import Cause, Language, Mode, Skill
from places.models import ModerationStatus, Organization
from places.serializers import geocoded, take_place
from places.staff import runs

LIST_FIELDS = [
    "id",
    "title",
    "title_en",
    "organization_id",
    "organization__name_th",
    "organization__name_en",
    "organization__verified",
    "causes",
    "skills",
    "languages",
    "mode",
    "schedule",
    "starts_on",
    "ends_on",
    "volunteers_needed",
    "minimum_age",
    "family_friendly",
    "address",
    "precision",
    "area_id",
    "status",
]


# The annotations a page is cut and continued by (common.pages), kept in listing()'s rows.
PAGING = {"distance", "knn", *(name for name, _, _ in NEWEST.keys + SOONEST.keys)}


def listing(queryset):
    """The rows of a list or map: plain values and the point's coordinates, no model instances
    or geometry objects (they cost more than the query itself; bench/radius.py).

    Features written by PostgreSQL instead (json_build_object, ST_AsGeoJSON; the rows' text
    passed through as orjson.Fragment) were measured on 2026-12-07: a radius page took 30 % less
    of the web worker's CPU (2.5 → 1.8 ms) and 25 % more of PostgreSQL's (1.7 → 2.1 ms), the
    map's mix and a 150,000-row GeoJSON export were no faster, and answers were 12 % larger. The
    database is the part that does not grow with more web servers: not kept."""
    names = [*LIST_FIELDS, *(a for a in queryset.query.annotations if a in PAGING)]
    return queryset.values(*names, lon=Lon("location"), lat=Lat("location"))


def listed_feature(row, url_of) -> dict:
    """A row of `listing()` as a GeoJSON Feature: the one builder of an opportunity's Feature
    (opportunity_feature gives it an instance's row)."""
    code = row["area_id"] or ""
    properties = {
        "id": row["id"],
        "title": row["title"],
        "title_en": row["title_en"],
        "organization": {
            "id": row["organization_id"],
            "name_th": row["organization__name_th"],
            "name_en": row["organization__name_en"],
            "verified": row["organization__verified"],
        },
        "causes": row["causes"],
        "skills": row["skills"],
        "languages": row["languages"],
        "mode": row["mode"],
        "schedule": row["schedule"],
        "starts_on": row["starts_on"].isoformat() if row["starts_on"] else None,
        "ends_on": row["ends_on"].isoformat() if row["ends_on"] else None,
        "volunteers_needed": row["volunteers_needed"],
        "minimum_age": row["minimum_age"],
        "family_friendly": row["family_friendly"],
        "address": row["address"],
        "precision": row["precision"] or None,
        "province": code[:2] or None,
        "amphoe": code[:4] if len(code) >= 4 else None,
        "tambon": code if len(code) == 6 else None,
        "status": row["status"],
        "url": url_of(row["id"]),
    }
    if row.get("distance") is not None:
        properties["distance_km"] = round(pages.metres(row["distance"]) / 1000, 3)
    geometry = (
        None
        if row["lon"] is None
        else {"type": "Point", "coordinates": [round(row["lon"], 6), round(row["lat"], 6)]}
    )
    return {"type": "Feature", "id": row["id"], "geometry": geometry, "properties": properties}


def detail_url_maker(request):
    """Builds detail URLs without a reverse() per feature."""
    template = request.build_absolute_uri(reverse("opportunity-detail-page", args=[999999999]))
    head, tail = template.split("999999999")
    return lambda pk: f"{head}{pk}{tail}"


def _field(instance, name):
    for part in name.split("__"):
        instance = getattr(instance, part)
    return instance


def opportunity_feature(o, request=None) -> dict:
    """An opportunity instance as a GeoJSON Feature, by the same builder as a listed row."""
    url = reverse("opportunity-detail-page", args=[o.pk])
    row = {name: _field(o, name) for name in LIST_FIELDS}
    row["distance"] = getattr(o, "distance", None)
    row["lon"], row["lat"] = (o.location.x, o.location.y) if o.location else (None, None)
    return listed_feature(row, lambda pk: request.build_absolute_uri(url) if request else url)


def opportunity_detail(o, request=None) -> dict:
    feature = opportunity_feature(o, request)
    feature["properties"].update(
        description=o.description,
        accessibility_notes=o.accessibility_notes,
        rejection_reason=o.rejection_reason or None,
        shifts=[
            {
                "id": s.pk,
                "starts_at": s.starts_at.isoformat(),
                "ends_at": s.ends_at.isoformat(),
                "capacity": s.capacity,
            }
            for s in o.shifts.all()
        ],
        co_organizers=[
            {"id": c.pk, "name_th": c.name_th, "name_en": c.name_en}
            for c in o.co_organizers.all()
            if c.status == ModerationStatus.PUBLISHED  # nothing unreviewed is public
        ],
    )
    return feature


class ShiftSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(required=False)

    class Meta:
        model = Shift
        fields = ["id", "starts_at", "ends_at", "capacity"]
        extra_kwargs = {"capacity": {"min_value": 1, "max_value": 10_000}}

    def validate(self, data):
        if data["ends_at"] <= data["starts_at"]:
            raise serializers.ValidationError({"ends_at": [_("A shift must end after it starts.")]})
        return data


class OpportunityWriteSerializer(serializers.ModelSerializer):
    """What an organization's staff write. Location: the organization's by default; or a pin
    (`location`, precision exact); or the opportunity's own `address`, geocoded."""

    organization = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.all())
    causes = serializers.ListField(
        child=serializers.ChoiceField(Cause.choices), allow_empty=False, max_length=len(Cause)
    )
    skills = serializers.ListField(
        child=serializers.ChoiceField(Skill.choices), required=False, max_length=len(Skill)
    )
    languages = serializers.ListField(
        child=serializers.ChoiceField(Language.choices), required=False, max_length=3
    )
    location = PointField(required=False, allow_null=True)
    shifts = ShiftSerializer(many=True, required=False, max_length=200)

    class Meta:
        model = Opportunity
        fields = ["organization", "co_organizers", *OPPORTUNITY_EDITABLE, "location", "shifts"]
        extra_kwargs = {"co_organizers": {"required": False}}

    def validate_co_organizers(self, organizations):
        unpublished = [o for o in organizations if o.status != ModerationStatus.PUBLISHED]
        if unpublished:
            raise serializers.ValidationError(
                _("Only published organizations can be named as co-organizers.")
            )
        return organizations

    def validate_organization(self, org):
        user = self.context["request"].user
        if not (runs(user, org) or user.has_perm("opportunities.moderate_opportunity")):
            raise serializers.ValidationError(_("You are not on this organization's staff."))
        if self.instance is not None and org != self.instance.organization:
            raise serializers.ValidationError(
                _("An opportunity cannot move to another organization.")
            )
        return org

    def validate(self, data):
        merged = (
            {
                f: getattr(self.instance, f)
                for f in ("starts_on", "ends_on", "mode", "use_organization_location", "address")
            }
            if self.instance
            else {}
        )
        merged.update(data)
        if (
            merged.get("starts_on")
            and merged.get("ends_on")
            and merged["ends_on"] < merged["starts_on"]
        ):
            raise serializers.ValidationError(
                {"ends_on": [_("The last day is before the first day.")]}
            )
        own_place = not merged.get("use_organization_location", True)
        if data.get("location") is not None:
            data["use_organization_location"] = False
        elif own_place and "address" in data and data["address"].strip():
            data["_located"] = geocoded(data["address"])
        elif (
            own_place
            and merged.get("mode", Mode.ONSITE) != Mode.REMOTE
            and not (self.instance and self.instance.location)
        ):
            raise serializers.ValidationError(
                {
                    "address": [
                        _("Give the opportunity's address or location, or use the organization's.")
                    ]
                }
            )
        return data

    def _apply(self, o, data):
        located, pin = data.pop("_located", None), data.pop("location", None)
        for field in ("co_organizers", "shifts"):
            data.pop(field, None)
        for field, value in data.items():
            setattr(o, field, value)
        take_place(o, pin, located)  # the address came with data
        o.follow_organization()
        if (
            o.mode == Mode.REMOTE
            and not o.use_organization_location
            and pin is None
            and located is None
        ):
            o.location, o.precision, o.area_id = None, "", None

    @transaction.atomic
    def create(self, data):
        co_organizers, shifts = data.get("co_organizers", []), data.get("shifts", [])
        o = Opportunity()
        self._apply(o, data)
        o.save()
        o.co_organizers.set(co_organizers)
        Shift.objects.bulk_create(
            Shift(opportunity=o, **{k: v for k, v in s.items() if k != "id"}) for s in shifts
        )
        return o

    @transaction.atomic
    def update(self, o, data):
        co_organizers, shifts = data.get("co_organizers"), data.get("shifts")
        self._apply(o, data)
        o.save()
        if co_organizers is not None:
            o.co_organizers.set(co_organizers)
        if shifts is not None:
            self._replace_shifts(o, shifts)
        return o

    @staticmethod
    def _replace_shifts(o, shifts):
        """Shifts with an id are updated, without one created; the ones left out are deleted."""
        existing = {s.pk: s for s in o.shifts.all()}
        keep = set()
        for data in shifts:
            shift = existing.get(data.get("id"))
            if data.get("id") is not None and shift is None:
                raise serializers.ValidationError(
                    {
                        "shifts": [
                            _("Shift %(id)s is not one of this opportunity's.") % {"id": data["id"]}
                        ]
                    }
                )
            shift = shift or Shift(opportunity=o)
            problem = shift.pk and shift.change_refused(data["capacity"])
            if problem:
                raise serializers.ValidationError(
                    {
                        "shifts": [
                            _("Shift %(id)s: %(problem)s") % {"id": shift.pk, "problem": problem}
                        ]
                    }
                )
            shift.starts_at, shift.ends_at, shift.capacity = (
                data["starts_at"],
                data["ends_at"],
                data["capacity"],
            )
            shift.save()
            keep.add(shift.pk)
        for shift in o.shifts.exclude(pk__in=keep):
            problem = shift.change_refused()
            if problem:
                raise serializers.ValidationError(
                    {
                        "shifts": [
                            _("Shift %(id)s: %(problem)s") % {"id": shift.pk, "problem": problem}
                        ]
                    }
                )
            shift.delete()

    def to_representation(self, o):
        return opportunity_detail(o, self.context.get("request"))
