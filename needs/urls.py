from django.urls import path

from needs import views

urlpatterns = [
    path("coordinate/", views.coordinate, name="coordinate"),
    path("coordinate/needs/new/", views.need_form, name="need-new"),
    path("coordinate/needs/<int:pk>/", views.need_form, name="need-edit"),
    path("coordinate/needs/import/", views.import_page, name="needs-import"),
    path("coordinate/needs/import/<int:pk>/", views.import_status, name="needs-import-status"),
    path("coordinate/needs/import/<int:pk>/save/", views.import_commit, name="needs-import-commit"),
    path("coordinate/incidents/new/", views.incident_form, name="incident-new"),
    path("coordinate/incidents/<int:pk>/", views.incident_form, name="incident-edit"),
    path(
        "coordinate/incidents/<int:pk>/attach-needs/",
        views.incident_attach_needs,
        name="incident-attach-needs",
    ),
]

exports = [
    path("coverage.csv", views.coverage_export, {"fmt": "csv"}, name="export-coverage-csv"),
    path(
        "coverage.geojson",
        views.coverage_export,
        {"fmt": "geojson"},
        name="export-coverage-geojson",
    ),
    path(
        "uncovered-needs.csv", views.uncovered_export, {"fmt": "csv"}, name="export-uncovered-csv"
    ),
    path(
        "uncovered-needs.geojson",
        views.uncovered_export,
        {"fmt": "geojson"},
        name="export-uncovered-geojson",
    ),
]
