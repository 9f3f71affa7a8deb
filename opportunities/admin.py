from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from opportunities.forms import BaseShiftFormSet
from opportunities.models import Opportunity, Shift, TransitionError
from places.admin import LocatedAdmin, reject_with_reason


class ShiftInline(admin.TabularInline):
    model = Shift
    extra = 0
    # The staff forms' checks: a shift with sign-ups is neither deleted nor cut below its
    # confirmed volunteers (the database's trigger would refuse it with an error page).
    formset = BaseShiftFormSet


@admin.register(Opportunity)
class OpportunityAdmin(LocatedAdmin):
    list_display = [
        "title",
        "organization",
        "status",
        "mode",
        "schedule",
        "starts_on",
        "ends_on",
        "area",
        "precision",
    ]
    list_filter = ["status", "mode", "schedule", "family_friendly", "precision"]
    search_fields = ["title", "title_en", "organization__name_th", "external_id"]
    readonly_fields = ["area", "precision", "published_at", "created_at", "updated_at"]
    autocomplete_fields = ["organization", "co_organizers"]
    list_select_related = ["organization", "area"]
    inlines = [ShiftInline]
    actions = ["approve", "reject", "close"]

    def save_model(self, request, obj, form, change):
        if obj.use_organization_location and "location" not in form.changed_data:
            obj.follow_organization()
            form.changed_data = [f for f in form.changed_data if f != "address"]
        super().save_model(request, obj, form, change)

    def _each(self, request, queryset, change, done):
        changed = 0
        for opportunity in queryset:
            try:
                change(opportunity)
                changed += 1
            except TransitionError as exc:
                self.message_user(request, f"{opportunity}: {exc}", messages.WARNING)
        if changed:
            self.message_user(request, done % {"n": changed})

    @admin.action(description=_("Approve (publish)"), permissions=["moderate"])
    def approve(self, request, queryset):
        self._each(request, queryset, lambda o: o.approve(), _("%(n)d published."))

    @admin.action(description=_("Reject with a reason…"), permissions=["moderate"])
    def reject(self, request, queryset):
        return reject_with_reason(
            self, request, queryset, permission="opportunities.moderate_opportunity"
        )

    @admin.action(description=_("Close"), permissions=["moderate"])
    def close(self, request, queryset):
        self._each(request, queryset, lambda o: o.close(), _("%(n)d closed."))

    def has_moderate_permission(self, request):
        return request.user.has_perm("opportunities.moderate_opportunity")
