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
    path("organizations/<int:pk>/vouch/", manage.vouch_page, name="manage-vouch"),
    path("organizations/<int:pk>/widget/", manage.widget_page, name="manage-widget"),
    path("opportunities/<int:pk>/", manage.opportunity_form, name="manage-opportunity"),
    path(
        "opportunities/<int:pk>/submit/",
        manage.opportunity_submit,
        name="manage-opportunity-submit",
    ),
]
