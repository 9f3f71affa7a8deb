"""Exports of published data: CSV, GeoJSON and iCal. Every one carries the content licence
(CC BY-NC-SA 3.0 TH) and its attribution, in the file itself and in a Link header."""

import csv
import io
import json
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpResponse, StreamingHttpResponse
from django.urls import reverse
from icalendar import Calendar, Event, vGeo

from common.csvfiles import safe_row
from common.geojson import attribution
from opportunities.serializers import opportunity_feature
from places.serializers import organization_feature

# The columns the imports read come first, so that an export can be imported elsewhere
# (import_organizations / import_opportunities); the rest describe where the data came from.
OPPORTUNITY_COLUMNS = [
    "external_id",
    "organization_external_id",
    "title",
    "title_en",
    "description",
    "causes",
    "skills",
    "languages",
    "mode",
    "schedule",
    "address",
    "latitude",
    "longitude",
    "starts_on",
    "ends_on",
    "volunteers_needed",
    "minimum_age",
    "family_friendly",
    "accessibility_notes",
    "shifts",
    "id",
    "organization",
    "precision",
    "province",
    "amphoe",
    "tambon",
    "url",
]
ORGANIZATION_COLUMNS = [
    "external_id",
    "name_th",
    "name_en",
    "kind",
    "description",
    "address",
    "latitude",
    "longitude",
    "phone",
    "email",
    "website",
    "line_id",
    "facebook",
    "verified",
    "id",
    "precision",
    "province",
    "amphoe",
    "tambon",
    "url",
]


def _licence_headers(response, filename):
    licence = settings.CONTENT_LICENCE
    response["Link"] = f'<{licence["url"]}>; rel="license"'
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def external_id(item, prefix):
    return item.external_id or f"{prefix}-{item.pk}"


def _point(item):
    if item.location is None or item.precision != "exact":
        return ["", ""]  # an approximate point is re-derived from the address on import
    return [item.location.y, item.location.x]


def _opportunity_row(o, request):
    p = opportunity_feature(o, request)["properties"]
    shifts = ";".join(
        f"{s.starts_at.isoformat()}/{s.ends_at.isoformat()}/{s.capacity}" for s in o.shifts.all()
    )
    own_place = not o.use_organization_location
    return [
        external_id(o, "volmap-opportunity"),
        external_id(o.organization, "volmap-organization"),
        o.title,
        o.title_en,
        o.description,
        ";".join(o.causes),
        ";".join(o.skills),
        ";".join(o.languages),
        o.mode,
        o.schedule,
        o.address if own_place else "",
        *(_point(o) if own_place else ["", ""]),
        p["starts_on"] or "",
        p["ends_on"] or "",
        o.volunteers_needed,
        o.minimum_age or "",
        o.family_friendly,
        o.accessibility_notes,
        shifts,
        o.pk,
        o.organization.name_th,
        o.precision,
        p["province"] or "",
        p["amphoe"] or "",
        p["tambon"] or "",
        p["url"],
    ]


def _organization_row(org, request):
    p = organization_feature(org, request)["properties"]
    return [
        external_id(org, "volmap-organization"),
        org.name_th,
        org.name_en,
        org.kind,
        org.description,
        org.address,
        *_point(org),
        org.phone,
        org.email,
        org.website,
        org.line_id,
        org.facebook,
        org.verified,
        org.pk,
        org.precision,
        p["province"] or "",
        p["amphoe"] or "",
        p["tambon"] or "",
        p["url"],
    ]


def csv_response(queryset, columns, row, request, filename, *, licensed=True):
    """Streams rows (of a queryset, or any iterable); published data carries the licence as a
    column of every row, so it survives copying any of them (`licensed`; not for private files
    such as a roster)."""
    about = attribution()
    licence = [about["attribution"], about["license"]] if licensed else []
    items = queryset.iterator(chunk_size=2000) if hasattr(queryset, "iterator") else queryset

    def lines():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow([*columns, *(["attribution", "license"] if licensed else [])])
        for item in items:
            writer.writerow(safe_row([*row(item, request), *licence]))
            if buffer.tell() > 65536:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    if not licensed:
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response["Cache-Control"] = "private, no-store"
        return response
    return _licence_headers(response, filename)


def geojson_response(features, filename):
    body = json.dumps(
        {"type": "FeatureCollection", **attribution(), "features": list(features)},
        ensure_ascii=False,
    )
    return _licence_headers(HttpResponse(body, content_type="application/geo+json"), filename)


def opportunities_csv(queryset, request):
    return csv_response(
        queryset, OPPORTUNITY_COLUMNS, _opportunity_row, request, "opportunities.csv"
    )


def organizations_csv(queryset, request):
    return csv_response(
        queryset, ORGANIZATION_COLUMNS, _organization_row, request, "organizations.csv"
    )


def ical(name, opportunities, site_url, shifts=None) -> bytes:
    """An iCal calendar: one event per shift (only `shifts` when given); an opportunity without
    shifts but with dates is one all-day event. `site_url` is the site's absolute root."""
    about = attribution()
    licence = f"{about['attribution']} {about['license']}"
    cal = Calendar()
    cal.add("prodid", "-//Volunteer map of Thailand//แผนที่ทำดี//TH")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-caldesc", f"{about['attribution']} — {about['license']}")
    host = urlsplit(site_url).netloc
    for o in opportunities:
        url = site_url.rstrip("/") + reverse("opportunity-detail-page", args=[o.pk])
        description = f"{o.description}\n\n{o.organization.name_th}\n{url}\n\n{licence}"
        chosen = shifts if shifts is not None else o.shifts.all()
        slots = [(s.pk, s.starts_at, s.ends_at) for s in chosen]
        if not slots and o.starts_on and shifts is None:
            slots = [(None, o.starts_on, (o.ends_on or o.starts_on) + timedelta(days=1))]
        for shift_id, start, end in slots:
            event = Event()
            event.add("uid", f"opportunity-{o.pk}-shift-{shift_id or 'dates'}@{host}")
            event.add("summary", o.title)
            event.add("dtstart", start)
            event.add("dtend", end)
            event.add("dtstamp", o.updated_at)
            event.add("description", description.strip())
            event.add("url", url)
            if o.address:
                event.add("location", o.address)
            if o.location is not None:
                event.add("geo", vGeo((o.location.y, o.location.x)))
            cal.add_component(event)
    return cal.to_ical()


def calendar(name, opportunities, request):
    """An iCal feed of the opportunities' shifts."""
    body = ical(name, opportunities, request.build_absolute_uri("/"))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    return _licence_headers(response, "calendar.ics")
