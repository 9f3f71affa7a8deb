"""Imports of located rows (organizations, opportunities, needs) from CSV: a row is placed by its
latitude/longitude pin or by its address, geocoded once per distinct address, the same way the
forms place what a person saves (places.locating). The engine is common.importing."""

import math
from dataclasses import dataclass

from django.contrib.gis.geos import Point
from django.utils.translation import gettext as _

from common.importing import (
    ImportCommand,
    ImportReport,
    Row,
    RowError,
    bulk_upsert,
    choice,
    flag,
    run_csv_import,
    text,
)
from common.thailand import in_thailand, looks_swapped
from geocoding.service import geocode_many
from places.locating import found, pinned
from places.models import ORGANIZATION_EDITABLE, ModerationStatus, Organization, OrganizationKind

ORGANIZATION_FIELDS = [*ORGANIZATION_EDITABLE, "verified"]
LOCATION_FIELDS = ["location", "precision", "area_id"]


@dataclass
class LocatedRow(Row):
    pin: Point | None = None  # a point someone placed
    address: str = ""


def pin(row):
    """Optional latitude/longitude columns: a point someone placed."""
    lat, lon = text(row, "latitude"), text(row, "longitude")
    if not lat and not lon:
        return None
    try:
        lat, lon = float(lat), float(lon)
    except ValueError:
        raise RowError(
            _("latitude/longitude (%(lat)r, %(lon)r) are not numbers") % {"lat": lat, "lon": lon}
        ) from None
    if not (math.isfinite(lat) and math.isfinite(lon)):
        raise RowError(_("latitude/longitude must be finite numbers"))
    if not in_thailand(lat, lon):
        if looks_swapped(lat, lon):
            raise RowError(
                _("(%(lat)s, %(lon)s) is outside Thailand; latitude and longitude look swapped")
                % {"lat": lat, "lon": lon}
            )
        raise RowError(_("(%(lat)s, %(lon)s) is outside Thailand") % {"lat": lat, "lon": lon})
    return Point(lon, lat, srid=4326)


def locate_rows(rows: list[LocatedRow], report: ImportReport, use_remote: bool):
    """The rows that could be placed: by their pin, else by their address (each distinct address
    geocoded once); the others are rejected with the geocoder's reason."""
    answers = geocode_many(
        [r.address for r in rows if r.pin is None and r.address], use_remote=use_remote
    )
    for row in rows:
        if row.pin is not None:
            row.values.update(pinned(row.pin).as_values())
        elif row.address:
            result = answers[row.address]
            if result.lat is None:
                report.reject(
                    row.line,
                    _("%(id)s: cannot place the address: %(why)s")
                    % {"id": row.external_id, "why": result.reason},
                )
                row.values = None
                continue
            row.values.update(found(result).as_values())
    return [row for row in rows if row.values is not None]


def _for_copy(value):
    """A value as COPY reads it: a point as EWKT, a list (of slugs, nothing to quote) as an
    array."""
    if isinstance(value, Point):
        return f"SRID=4326;POINT({value.x!r} {value.y!r})"
    if isinstance(value, list):
        return "{" + ",".join(value) + "}"
    return value


def upsert_located(model, rows, fields, report, insert_only):
    """Insert new rows and update changed ones by external_id (common.importing.bulk_upsert), with
    the place that locate_rows gave them. Returns {external_id: (id, inserted)} of those written."""
    fields = [*fields, *LOCATION_FIELDS]
    values = ([row.external_id, *(_for_copy(row.values.get(f)) for f in fields)] for row in rows)
    changed = bulk_upsert(
        model._meta.db_table,
        "external_id",
        ["external_id", *fields],
        values,
        insert_only={"created_at": "now", "updated_at": "now", **insert_only},
        geography_columns={"location"},
    )
    report.created = sum(1 for _, inserted in changed.values() if inserted)
    report.updated = len(changed) - report.created
    report.unchanged = len(rows) - len(changed)
    return changed


def import_organizations(
    path, *, commit=False, publish=False, show_progress=False, use_remote=False
):
    def parse(raw, row):
        row.values = {
            "name_th": text(raw, "name_th", required=True, max_length=200),
            "name_en": text(raw, "name_en", max_length=200),
            "kind": choice(raw, "kind", OrganizationKind),
            "description": text(raw, "description"),
            "address": text(raw, "address"),
            "phone": text(raw, "phone", max_length=40),
            "email": text(raw, "email", max_length=254),
            "website": text(raw, "website", max_length=200),
            "line_id": text(raw, "line_id", max_length=60),
            "facebook": text(raw, "facebook", max_length=200),
            "verified": flag(raw, "verified"),
        }
        row.pin, row.address = pin(raw), row.values["address"]
        if row.pin is None and not row.address:
            raise RowError(_("no address and no latitude/longitude"))
        return row

    def write(rows, report):
        status = ModerationStatus.PUBLISHED if publish else ModerationStatus.PENDING
        upsert_located(
            Organization,
            locate_rows(rows, report, use_remote),
            ORGANIZATION_FIELDS,
            report,
            {"status": status, "logo": "", "rejection_reason": ""},
        )

    return run_csv_import(
        path,
        Organization,
        {"external_id", "name_th", "kind"},
        parse,
        write,
        commit=commit,
        show_progress=show_progress,
        row_class=LocatedRow,
    )


class LocatedImportCommand(ImportCommand):
    """The command of an import of located rows: --remote also asks the remote geocoder;
    --publish (where `publishes`) publishes what is imported instead of leaving it pending."""

    publishes = True

    def add_import_arguments(self, parser):
        if self.publishes:
            parser.add_argument("--publish", action="store_true", help="publish what is imported")
        parser.add_argument("--remote", action="store_true", help="also ask the remote geocoder")

    def run_import(self, path, *, commit, show_progress, remote, publish=False, **options):
        published = {"publish": publish} if self.publishes else {}
        return self.importer(
            path,
            commit=commit,
            use_remote=remote,
            show_progress=show_progress,
            **published,
            **self.more_arguments(options),
        )

    def more_arguments(self, options) -> dict:
        """What the importer takes from a command's own arguments."""
        return {}
