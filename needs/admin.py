from django.contrib import admin
from leaflet.admin import LeafletGeoAdmin

from needs.forms import AreaFormField
from needs.models import Incident, Need
from places.admin import LocatedAdmin


@admin.register(Incident)
class IncidentAdmin(LeafletGeoAdmin):
    list_display = ["name", "starts_on", "ends_on", "disaster_mode"]
    list_filter = ["disaster_mode"]
    search_fields = ["name", "name_en"]
    raw_id_fields = ["opportunities"]
    date_hierarchy = "starts_on"

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "affected_area":
            field = AreaFormField(label=db_field.verbose_name, required=False)
            field.widget.csp_nonce = getattr(request, "csp_nonce", None)
            return field
        return super().formfield_for_dbfield(db_field, request, **kwargs)


@admin.register(Need)
class NeedAdmin(LocatedAdmin):
    list_display = [
        "title",
        "category",
        "urgency",
        "people_affected",
        "status",
        "area",
        "created_at",
    ]
    list_filter = ["status", "urgency", "category", "incident"]
    search_fields = ["title", "address", "external_id"]
    raw_id_fields = [
        "area",
        "incident",
        "reported_by",
        "reporting_organization",
        "assigned_opportunity",
        "assigned_organization",
    ]
    readonly_fields = ["created_at", "updated_at", "resolved_at"]
