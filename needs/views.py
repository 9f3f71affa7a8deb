"""The coordinator's pages: coverage on a map with the uncovered needs beside it, needs and
incidents, a hotline CSV import; exports of coverage and uncovered needs (CSV, GeoJSON)."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from rest_framework.exceptions import ValidationError

from common.params import as_identifier
from needs.api import coverage_rows, is_coordinator
from needs.coverage import K_ANONYMITY, NEAR_KM
from needs.forms import IncidentForm, NeedForm, NeedsFileForm
from needs.models import CATEGORIES, ImportStatus, Incident, Need, NeedsImport
from needs.params import coverage_filters, filtered_needs
from needs.serializers import coverage_feature, need_feature
from needs.tasks import import_needs_file, progress_key
from opportunities import exports
from places.models import Area

UNCOVERED_SHOWN = 200


def coordinators_only(view):
    @wraps(view)
    def checked(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_coordinator(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return checked


def _filters(request):
    try:
        return coverage_filters(request.GET), None
    except ValidationError as exc:
        return coverage_filters({}), exc.detail


@coordinators_only
def coordinate(request):
    filters, error = _filters(request)
    rows = coverage_rows(filters)
    uncovered = filtered_needs(Need.objects.uncovered(filters["km"]), filters)
    uncovered = list(uncovered.select_related("area").most_urgent_first()[: UNCOVERED_SHOWN + 1])
    query = request.GET.urlencode()
    has_boundaries = Area.objects.filter(level=filters["level"]).with_boundary().exists()
    return render(
        request,
        "needs/coordinate.html",
        {
            "filters": filters,
            "error": error,
            "rows": rows[:50],
            "areas_with_needs": len(rows),
            "uncovered": uncovered[:UNCOVERED_SHOWN],
            "more_uncovered": len(uncovered) > UNCOVERED_SHOWN,
            "incidents": Incident.objects.all(),
            "categories": CATEGORIES,
            "levels": [
                ("province", _("province")),
                ("amphoe", _("district")),
                ("tambon", _("subdistrict")),
            ],
            "near_km": NEAR_KM,
            "k": K_ANONYMITY,
            "query": query,
            "coverage_config": {
                "coverage": reverse("coverage") + f"?lang={get_language()}&{query}",
                "uncovered": reverse("need-uncovered") + "?" + query + "&page_size=100",
                "incidents": reverse("incident-list"),
                "incident": filters["incident"],
                "boundaries": has_boundaries,
                "outlines": reverse("province-outlines"),
                "text": {
                    "legend": _("Gap score"),
                    "covered": _("covered"),
                    "gap": _("help missing"),
                    "uncovered": _("an open need with no opportunity near"),
                },
            },
        },
    )


@coordinators_only
def need_form(request, pk=None):
    need = get_object_or_404(Need, pk=pk) if pk else Need(reported_by=request.user)
    form = NeedForm(request.POST or None, instance=need)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("The need is saved."))
        return redirect("coordinate")
    return render(
        request,
        "needs/form.html",
        {"form": form, "title": need.title or _("New need"), "need": need if pk else None},
    )


@coordinators_only
def incident_form(request, pk=None):
    incident = get_object_or_404(Incident, pk=pk) if pk else Incident()
    form = IncidentForm(request.POST or None, request.FILES or None, instance=incident)
    form.fields["affected_area"].widget.csp_nonce = request.csp_nonce
    if request.method == "POST" and form.is_valid():
        incident = form.save()
        messages.success(request, _("The incident is saved."))
        if _needs_to_attach(incident).exists():
            return redirect("incident-edit", pk=incident.pk)  # offer them at once
        return redirect(reverse("coordinate") + f"?incident={incident.pk}")
    return render(
        request,
        "needs/form.html",
        {
            "form": form,
            "title": incident.name or _("New incident"),
            "multipart": True,
            "incident": incident if incident.pk else None,
            "to_attach": list(_needs_to_attach(incident).most_urgent_first()[:ATTACH_SHOWN])
            if incident.pk
            else [],
        },
    )


ATTACH_SHOWN = 200


def _needs_to_attach(incident):
    """Open needs inside the incident's area that no incident holds yet."""
    return Need.objects.open().filter(incident=None).inside(incident.affected_area)


@coordinators_only
@require_POST
def incident_attach_needs(request, pk):
    """Attach the chosen open needs inside the area to the incident, in one step."""
    incident = get_object_or_404(Incident, pk=pk)
    chosen = [as_identifier(v) for v in request.POST.getlist("need")]
    attached = (
        _needs_to_attach(incident).filter(pk__in=[c for c in chosen if c]).update(incident=incident)
    )
    messages.success(
        request,
        ngettext(
            "%(n)d need attached to the incident.",
            "%(n)d needs attached to the incident.",
            attached,
        )
        % {"n": attached},
    )
    return redirect(reverse("coordinate") + f"?incident={incident.pk}")


@coordinators_only
def import_page(request):
    """The upload: the file is kept with its choices and a worker imports it; the page that
    follows the import comes next."""
    form = NeedsFileForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        job = NeedsImport.objects.create(
            file=b"".join(upload.chunks()),
            source=upload.name[:255],
            incident=form.cleaned_data["incident"],
            commit=form.cleaned_data["commit"],
            requested_by=request.user,
        )
        return _start(job)
    return render(request, "needs/import.html", {"form": form})


def _start(job):
    transaction.on_commit(lambda: import_needs_file.delay(job.pk))
    return redirect("needs-import-status", job.pk)


@coordinators_only
def import_status(request, pk):
    """How far the import is (the page reloads itself until it ends), then its report."""
    job = get_object_or_404(NeedsImport.objects.select_related("incident").defer("file"), pk=pk)
    report = job.report and {
        **job.report,
        "rejected": [(r["line"], r["reason"]) for r in job.report["rejected"]],
    }
    return render(
        request,
        "needs/import_status.html",
        {
            "job": job,
            "report": report,
            "progress": cache.get(progress_key(job.pk)),
            "running": job.status in (ImportStatus.QUEUED, ImportStatus.RUNNING),
        },
    )


@coordinators_only
@require_POST
def import_commit(request, pk):
    """Save the file that was just checked, without choosing it again."""
    checked = get_object_or_404(NeedsImport, pk=pk, status=ImportStatus.DONE, commit=False)
    job = NeedsImport.objects.create(
        file=checked.file,
        source=checked.source,
        incident=checked.incident,
        commit=True,
        requested_by=request.user,
    )
    return _start(job)


# --- exports (coordinators only) ----------------------------------------------------------------

COVERAGE_COLUMNS = [
    "code",
    "level",
    "name_th",
    "name_en",
    "gap_score",
    "open_needs",
    "critical_needs",
    "people_affected",
    "opportunities_in_area",
    "opportunities_near",
    "nearest_opportunity_km",
    "free_places",
    "volunteers",
    "explanation",
]
NEED_COLUMNS = [
    "id",
    "title",
    "category",
    "urgency",
    "people_affected",
    "status",
    "address",
    "precision",
    "latitude",
    "longitude",
    "tambon",
    "amphoe",
    "province",
    "incident",
    "created_at",
]


def _coverage_line(feature, request):
    values = feature["properties"]
    return ["" if values[c] is None else values[c] for c in COVERAGE_COLUMNS]


def _need_line(feature, request):
    values = dict(feature["properties"], latitude="", longitude="")
    if feature["geometry"]:
        values["longitude"], values["latitude"] = feature["geometry"]["coordinates"]
    return ["" if values[c] is None else values[c] for c in NEED_COLUMNS]


def _export(request, fmt, features_of, columns, line, name_of, levels=True):
    try:
        filters = coverage_filters(request.GET, levels)
    except ValidationError as exc:
        return HttpResponseBadRequest(str(exc.detail), content_type="text/plain; charset=utf-8")
    features, name = features_of(filters), f"{name_of(filters)}.{fmt}"
    if fmt == "csv":
        return exports.csv_response(features, columns, line, request, name)
    return exports.geojson_response(features, name)


@coordinators_only
def coverage_export(request, fmt):
    return _export(
        request,
        fmt,
        lambda filters: [coverage_feature(r) for r in coverage_rows(filters)],
        COVERAGE_COLUMNS,
        _coverage_line,
        lambda filters: f"coverage-{filters['level']}",
    )


@coordinators_only
def uncovered_export(request, fmt):
    """Uncovered needs without the reporters' contacts (an export travels)."""

    def features(filters):
        needs = filtered_needs(Need.objects.uncovered(filters["km"]), filters)
        return (
            need_feature(n, contacts=False)
            for n in needs.most_urgent_first().iterator(chunk_size=2000)
        )

    return _export(
        request,
        fmt,
        features,
        NEED_COLUMNS,
        _need_line,
        lambda filters: f"uncovered-needs-{filters['km']}km",
        levels=False,
    )
