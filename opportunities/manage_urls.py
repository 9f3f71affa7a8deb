from django.urls import path

from opportunities import manage

urlpatterns = [
    path("organizations/new/", manage.organization_form, name="manage-organization-new"),
    path("organizations/<int:pk>/", manage.organization_form, name="manage-organization"),
    path("organizations/<int:pk>/staff/", manage.staff_page, name="manage-staff"),
    path(
        "organizations/<int:organization_pk>/opportunities/new/",
        manage.opportunity_form,
        name="manage-opportunity-new",
    ),
    path("opportunities/<int:pk>/", manage.opportunity_form, name="manage-opportunity"),
    path(
        "opportunities/<int:pk>/submit/",
        manage.opportunity_submit,
        name="manage-opportunity-submit",
    ),
]
