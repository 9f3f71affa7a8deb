import json

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, Exists, OuterRef
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from leaflet.admin import LeafletAdminWidget, LeafletGeoAdmin
from rest_framework.exceptions import ValidationError as DRFValidationError

from common.geojson import PointField
from places import locating, staff
from places.models import (
    Area,
    Membership,
    Organization,
    StaffChange,
    TransitionError,
    Trust,
    TrustChange,
    Vouch,
)


@admin.register(Area)
class AreaAdmin(LeafletGeoAdmin):
    list_display = [
        "code",
        "name_th",
        "name_en",
        "level",
        "point_source",
        "point_level",
        "has_boundary",
    ]
    list_filter = ["level", "point_source", "point_level"]
    search_fields = ["code", "name_th", "name_en", "postcodes"]
    readonly_fields = ["code", "level", "parent", "updated_at"]
    list_select_related = ["parent"]
    ordering = ["code"]

    @admin.display(boolean=True, description=_("boundary"))
    def has_boundary(self, area):
        return area.boundary is not None

    def get_queryset(self, request):
        # The change list shows no polygons: leave them in the database.
        return super().get_queryset(request).defer("boundary")


class RejectionForm(forms.Form):
    reason = forms.CharField(label=_("reason, shown to the organization"), widget=forms.Textarea)


def reject_with_reason(modeladmin, request, queryset, *, permission):
    """An admin action that asks for the reason before rejecting."""
    if not request.user.has_perm(permission):
        modeladmin.message_user(request, _("Only moderators can reject."), messages.ERROR)
        return None
    if "apply" in request.POST:
        form = RejectionForm(request.POST)
        if form.is_valid():
            rejected = 0
            for item in queryset:
                try:
                    item.reject(form.cleaned_data["reason"])
                    rejected += 1
                except TransitionError as exc:
                    modeladmin.message_user(request, f"{item}: {exc}", messages.WARNING)
            modeladmin.message_user(request, _("%(n)d rejected.") % {"n": rejected})
            return None
    else:
        form = RejectionForm()
    return render(
        request,
        "admin/reject.html",
        {
            "form": form,
            "items": queryset,
            "action": request.POST.get("action"),
            "opts": modeladmin.model._meta,
            "title": _("Reject with a reason"),
        },
    )


def strict_point(value):
    """GeoJSON text → Point through the API's strict parser; DRF's ValidationError if not."""
    try:
        data = json.loads(value)
    except (TypeError, ValueError):
        raise DRFValidationError("not a GeoJSON point") from None
    return PointField().to_internal_value(data)


class PointWidget(LeafletAdminWidget):
    """The admin's map (with Leaflet's script and style) for a point."""

    geom_type = "POINT"

    def deserialize(self, value):
        # Re-showing a refused value must not hand it to GEOS either.
        try:
            return strict_point(value)
        except DRFValidationError:
            return None


class PointFormField(forms.Field):
    """The map widget's GeoJSON, read by the API's strict point parser: a plain Point in Thailand
    or nothing (no other geometry and no crs reaches GEOS or GDAL)."""

    widget = PointWidget

    def to_python(self, value):
        if value in (None, ""):
            return None
        try:
            return strict_point(value)
        except DRFValidationError as exc:
            raise forms.ValidationError(exc.detail) from None

    def has_changed(self, initial, data):
        new = self.to_python(data) if data else None
        if initial is None or new is None:
            return initial is not new
        return (round(initial.x, 7), round(initial.y, 7)) != (round(new.x, 7), round(new.y, 7))


class LocatedAdmin(LeafletGeoAdmin):
    """A pin placed or dragged on the map is exact; otherwise a changed address is geocoded."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "location":
            widget = self._get_map_widget(db_field, PointWidget)()
            widget.csp_nonce = getattr(request, "csp_nonce", None)
            return PointFormField(label=db_field.verbose_name, required=False, widget=widget)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if "location" in form.changed_data and obj.location is not None:
            locating.give(obj, locating.pinned(obj.location))
        elif "address" in form.changed_data or (obj.location is None and obj.address):
            error = locating.locate(obj)
            if error:
                self.message_user(request, error, messages.WARNING)
        super().save_model(request, obj, form, change)


class MembershipInline(admin.TabularInline):
    """Moderators see who works for an organization; only superusers change it here (owners do
    on their staff page): staff read their volunteers' contacts."""

    model = Membership
    extra = 0
    autocomplete_fields = ["user"]

    def has_add_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


class VouchInline(admin.TabularInline):
    """What partners said of the organization: read, never written here."""

    model = Vouch
    fk_name = "organization"
    extra = 0
    fields = ["voucher", "reason", "by", "at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class TrustChangeInline(admin.TabularInline):
    model = TrustChange
    extra = 0
    fields = ["at", "tier_from", "tier_to", "actor", "reason"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Organization)
class OrganizationAdmin(LocatedAdmin):
    list_display = [
        "name_th",
        "name_en",
        "kind",
        "status",
        "trust",
        "vouch_count",
        "area",
        "precision",
        "created_at",
    ]
    list_filter = ["status", "verified", "partner", "kind", "precision"]
    search_fields = ["name_th", "name_en", "address", "external_id"]
    # Trust changes only through the actions, which log them (TrustChange).
    readonly_fields = ["verified", "partner", "area", "precision", "created_at", "updated_at"]
    raw_id_fields = []
    inlines = [VouchInline, TrustChangeInline, MembershipInline]
    actions = ["approve", "reject", "verify", "make_partner", "withdraw_trust"]

    # Waiting for review first, and among those the ones partners vouched for: a vouch speeds
    # the review.
    ordering = [
        "status",
        Exists(Vouch.objects.filter(organization=OuterRef("pk"))).desc(),
        "name_th",
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(vouch_count=Count("vouches"))

    @admin.display(description=_("trust"))
    def trust(self, obj):
        return obj.trust.label

    @admin.display(description=_("vouches"), ordering="vouch_count")
    def vouch_count(self, obj):
        return obj.vouch_count

    @admin.action(description=_("Approve (publish)"), permissions=["moderate"])
    def approve(self, request, queryset):
        for org in queryset:
            org.approve()
        self.message_user(
            request,
            ngettext(
                "%(n)d organization published.", "%(n)d organizations published.", len(queryset)
            )
            % {"n": len(queryset)},
        )

    @admin.action(description=_("Reject with a reason…"), permissions=["moderate"])
    def reject(self, request, queryset):
        return reject_with_reason(
            self, request, queryset, permission="places.moderate_organization"
        )

    @admin.action(description=_("Verify"), permissions=["moderate"])
    def verify(self, request, queryset):
        for org in queryset:
            org.verify(request.user)
        self.message_user(
            request,
            ngettext("%(n)d organization verified.", "%(n)d organizations verified.", len(queryset))
            % {"n": len(queryset)},
        )

    @admin.action(description=_("Make a partner of the network"), permissions=["moderate"])
    def make_partner(self, request, queryset):
        unverified = [org.name_th for org in queryset if not org.verified]
        if unverified:
            self.message_user(
                request,
                _("Verify these first: %(names)s") % {"names": ", ".join(unverified)},
                messages.ERROR,
            )
            return
        for org in queryset:
            org.change_trust(Trust.PARTNER, request.user)
        self.message_user(request, _("Partners of the network now: %(n)d.") % {"n": len(queryset)})

    @admin.action(description=_("Back to registered (not verified)"), permissions=["moderate"])
    def withdraw_trust(self, request, queryset):
        for org in queryset:
            org.change_trust(Trust.REGISTERED, request.user)
        self.message_user(request, _("Trust withdrawn: %(n)d.") % {"n": len(queryset)})

    def has_moderate_permission(self, request):
        return request.user.has_perm("places.moderate_organization")

    def save_formset(self, request, form, formset, change):
        if formset.model is not Membership:
            return super().save_formset(request, form, formset, change)
        memberships = formset.save(commit=False)
        for membership in formset.deleted_objects:
            staff.record(request.user, membership, StaffChange.Action.REMOVED)
            membership.delete()
        for membership in memberships:
            membership.save()
        for membership in formset.new_objects:
            staff.record(request.user, membership, StaffChange.Action.ADDED)
        for membership, _fields in formset.changed_objects:
            staff.record(request.user, membership, StaffChange.Action.ROLE)
        return None


@admin.register(StaffChange)
class StaffChangeAdmin(admin.ModelAdmin):
    """The log of who was put on or off which organization's staff: read only."""

    list_display = ["at", "organization", "member_email", "action", "role", "actor"]
    list_filter = ["action", "role"]
    search_fields = ["organization__name_th", "member_email"]
    list_select_related = ["organization", "actor"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(TrustChange)
class TrustChangeAdmin(admin.ModelAdmin):
    """The log of every change of an organization's trust: read only."""

    list_display = ["at", "organization", "tier_from", "tier_to", "actor", "reason"]
    list_filter = ["tier_to"]
    search_fields = ["organization__name_th"]
    list_select_related = ["organization", "actor"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
