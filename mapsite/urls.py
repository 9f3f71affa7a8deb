from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from mapsite import views
from needs import urls as needs_urls
from needs.api import CoverageView, IncidentViewSet, NeedViewSet
from opportunities import views as opportunity_views
from opportunities import widgets
from opportunities.api import OpportunityViewSet
from places.api import OrganizationViewSet

router = DefaultRouter()
router.register("organizations", OrganizationViewSet, basename="organization")
router.register("opportunities", OpportunityViewSet, basename="opportunity")
router.register("needs", NeedViewSet, basename="need")
router.register("incidents", IncidentViewSet, basename="incident")

api = [
    path("", include("volunteers.api_urls")),
    path("", include(router.urls)),
    path("", include("geocoding.urls")),
    path("coverage/", CoverageView.as_view(), name="coverage"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
]

exports = [
    *needs_urls.exports,
    path("opportunities.csv", opportunity_views.opportunities_csv, name="export-opportunities-csv"),
    path(
        "opportunities.geojson",
        opportunity_views.opportunities_geojson,
        name="export-opportunities-geojson",
    ),
    path("organizations.csv", opportunity_views.organizations_csv, name="export-organizations-csv"),
    path(
        "organizations.geojson",
        opportunity_views.organizations_geojson,
        name="export-organizations-geojson",
    ),
    path(
        "opportunities/<int:pk>/calendar.ics",
        opportunity_views.opportunity_calendar,
        name="opportunity-calendar",
    ),
    path(
        "organizations/<int:pk>/calendar.ics",
        opportunity_views.organization_calendar,
        name="organization-calendar",
    ),
]

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path(
        "tiles/<str:layer>/<int:z>/<int:x>/<int:y>.geojson",
        opportunity_views.tile,
        name="tile",
    ),
    path("tiles/provinces.geojson", opportunity_views.province_outlines, name="province-outlines"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api)),
    path("exports/", include(exports)),
]
urlpatterns += i18n_patterns(
    path("", views.home, name="home"),
    path("opportunities/", opportunity_views.opportunity_list, name="opportunity-list-page"),
    path(
        "opportunities/<int:pk>/",
        opportunity_views.opportunity_detail,
        name="opportunity-detail-page",
    ),
    path("organizations/", opportunity_views.organization_list, name="organization-list-page"),
    path("partners/", opportunity_views.partners, name="partners-page"),
    path("widgets/opportunities/", widgets.opportunities_widget, name="widget-opportunities"),
    path(
        "organizations/<int:pk>/",
        opportunity_views.organization_detail,
        name="organization-detail-page",
    ),
    path("manage/", include("opportunities.manage_urls")),
    path("", include("volunteers.urls")),
    path("", include("notifications.urls")),
    path("", include(needs_urls.urlpatterns)),
    path("accounts/", include("django.contrib.auth.urls")),
    prefix_default_language=False,
)

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

handler400 = "common.errors.bad_request"
handler403 = "common.errors.permission_denied"
handler404 = "common.errors.page_not_found"
handler500 = "common.errors.server_error"
