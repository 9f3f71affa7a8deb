from django.contrib import admin

from geocoding.models import RemoteAnswer


@admin.register(RemoteAnswer)
class RemoteAnswerAdmin(admin.ModelAdmin):
    list_display = ["query", "provider", "created_at"]
    list_filter = ["provider"]
    search_fields = ["query"]
    readonly_fields = ["provider", "query", "response", "created_at"]
