"""Exports of published data: CSV, GeoJSON and iCal. Every one carries the content licence
(CC BY-NC-SA 3.0 TH) and its attribution, in the file itself and in a Link header."""

import csv
import io
import json
from collections import defaultdict
from datetime import timedelta
from urllib.parse import urlsplit

import orjson
from django.conf import settings
from django.http import HttpResponse, StreamingHttpResponse
from django.urls import reverse
from icalendar import Calendar, Event, vGeo

from common.csvfiles import safe_row
from common.geojson import Lat, Lon, attribution
from opportunities.models import Shift
from opportunities.serializers import (
    LIST_FIELDS,
    detail_url_maker,
    listed_feature,
)
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


# What a row of the opportunities' export reads: the list's values and the rest of the file's.
EXPORT_FIELDS = [
    *LIST_FIELDS,
    "external_id",
    "organization__external_id",
    "description",
    "use_organization_location",
    "accessibility_notes",
]
CHUNK = 2000


def opportunity_rows(queryset, *, with_shifts=True):
    """(row, shifts) of every opportunity in the queryset. Their ids first, in one query that
    PostgreSQL plans as a whole (a narrow filter through its index), then the rows 2,000 ids at
    a time: no OFFSET, no cursor held open, and memory for the ids only."""
    distance = ["distance"] if "distance" in queryset.query.annotations else []
    rows = queryset.order_by("pk").values(
        *EXPORT_FIELDS, *distance, lon=Lon("location"), lat=Lat("location")
    )
    ids = list(queryset.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), CHUNK):
        chunk = list(rows.filter(pk__in=ids[start : start + CHUNK]))
        shifts = defaultdict(list)
        for opportunity, starts, ends, capacity in (
            Shift.objects.filter(opportunity__in=[r["id"] for r in chunk] if with_shifts else [])
            .order_by("starts_at", "pk")
            .values_list("opportunity_id", "starts_at", "ends_at", "capacity")
        ):
            shifts[opportunity].append(f"{starts.isoformat()}/{ends.isoformat()}/{capacity}")
        for row in chunk:
            yield row, ";".join(shifts[row["id"]])


def _opportunity_row(item, url_of):
    o, shifts = item
    code = o["area_id"] or ""
    own_place = not o["use_organization_location"]
    exact = own_place and o["lon"] is not None and o["precision"] == "exact"
    return [
        o["external_id"] or f"volmap-opportunity-{o['id']}",
        o["organization__external_id"] or f"volmap-organization-{o['organization_id']}",
        o["title"],
        o["title_en"],
        o["description"],
        ";".join(o["causes"]),
        ";".join(o["skills"]),
        ";".join(o["languages"]),
        o["mode"],
        o["schedule"],
        o["address"] if own_place else "",
        *([o["lat"], o["lon"]] if exact else ["", ""]),
        o["starts_on"].isoformat() if o["starts_on"] else "",
        o["ends_on"].isoformat() if o["ends_on"] else "",
        o["volunteers_needed"],
        o["minimum_age"] or "",
        o["family_friendly"],
        o["accessibility_notes"],
        shifts,
        o["id"],
        o["organization__name_th"],
        o["precision"],
        code[:2],
        code[:4] if len(code) >= 4 else "",
        code if len(code) == 6 else "",
        url_of(o["id"]),
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


def csv_response(items, columns, row, request, filename, *, licensed=True):
    """Streams rows (`row(item, request)` of each item of an iterable, or of a queryset read in
    chunks); published data carries the licence as a column of every row, so it survives copying
    any of them (`licensed`; not for private files such as a roster). Streamed with chunked
    transfer encoding: a download cut short ends without its last chunk, which a client reports
    as an error rather than a shorter file."""
    about = attribution()
    licence = [about["attribution"], about["license"]] if licensed else []
    if hasattr(items, "iterator"):
        items = items.iterator(chunk_size=CHUNK)

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
    """Streams a FeatureCollection, feature by feature, and ends it with `count`, the number of
    features written: a file that parses and whose count matches its features is whole."""
    about = attribution()
    head = json.dumps({"type": "FeatureCollection", **about}, ensure_ascii=False)[:-1]

    def parts():
        buffer, count = [head, ', "features": ['], 0
        for feature in features:
            buffer.append(("," if count else "") + orjson.dumps(feature).decode())
            count += 1
            if len(buffer) >= 500:
                yield "".join(buffer)
                buffer = []
        buffer.append(f'], "count": {count}}}')
        yield "".join(buffer)

    response = StreamingHttpResponse(parts(), content_type="application/geo+json")
    return _licence_headers(response, filename)


def opportunities_csv(queryset, request):
    url_of = detail_url_maker(request)
    return csv_response(
        opportunity_rows(queryset),
        OPPORTUNITY_COLUMNS,
        lambda item, _: _opportunity_row(item, url_of),
        request,
        "opportunities.csv",
    )


def opportunities_geojson(queryset, request):
    url_of = detail_url_maker(request)
    rows = opportunity_rows(queryset, with_shifts=False)
    features = (listed_feature(row, url_of) for row, _ in rows)
    return geojson_response(features, "opportunities.geojson")


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
