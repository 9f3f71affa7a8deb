from django.contrib import admin
from leaflet.admin import LeafletGeoAdmin

from places.models import Area


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

    @admin.display(boolean=True, description="boundary")
    def has_boundary(self, area):
        return area.boundary is not None

    def get_queryset(self, request):
        # The change list shows no polygons: leave them in the database.
        return super().get_queryset(request).defer("boundary")
