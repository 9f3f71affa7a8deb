"""CSV imports of organizations and opportunities (UTF-8, Thai addresses): every row checked and
reported by line, addresses geocoded once each, matched on `external_id` so that a second run
changes nothing, all in one transaction, a dry run unless `commit`."""

import csv
import functools
import math
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from django.contrib.gis.geos import Point
from django.db import transaction
from django.utils import timezone

from common.csvfiles import read_cell
from common.params import as_whole
from geocoding.service import geocode_many, reverse_geocode
from mapsite.api import in_thailand
from mapsite.importing import ImportReport, bulk_upsert, progress
from opportunities.models import OPPORTUNITY_EDITABLE, Opportunity, Status
from opportunities.signals import bulk_imported, map_changed
from opportunities.sql import sync_shifts
from opportunities.taxonomy import Cause, Language, Mode, Schedule, Skill
from places.models import (
    ORGANIZATION_EDITABLE,
    ModerationStatus,
    Organization,
    OrganizationKind,
    Precision,
)

ORGANIZATION_FIELDS = [*ORGANIZATION_EDITABLE, "verified"]
OPPORTUNITY_FIELDS = OPPORTUNITY_EDITABLE
LOCATION_FIELDS = ["location", "precision", "area_id"]


class RowError(ValueError):
    pass


class FileError(Exception):
    """The file as a whole cannot be imported."""


# --- reading values ---------------------------------------------------------------------------


@functools.cache
def _values(choices) -> frozenset:
    return frozenset(choices.values)  # TextChoices.values builds a new list at every call


def text(row, name, *, required=False, max_length=None):
    value = read_cell((row.get(name) or "").strip())
    if "\x00" in value:
        raise RowError(f"{name} contains a NUL character")
    if required and not value:
        raise RowError(f"{name} is empty")
    if max_length and len(value) > max_length:
        raise RowError(f"{name} is longer than {max_length} characters")
    return value


def choice(row, name, choices, default=None):
    value = text(row, name) or default
    if value not in _values(choices):
        raise RowError(f"{name}={value!r}: choose from {', '.join(choices.values)}")
    return value


def choices(row, name, allowed, *, required=False):
    values = [v.strip() for v in text(row, name).replace(",", ";").split(";") if v.strip()]
    unknown = [v for v in values if v not in _values(allowed)]
    if unknown:
        raise RowError(f"{name}: unknown {', '.join(unknown)}")
    if required and not values:
        raise RowError(f"{name} is empty")
    return sorted(set(values), key=values.index)


def flag(row, name):
    value = text(row, name).lower()
    if value in ("", "0", "false", "no", "n"):
        return False
    if value in ("1", "true", "yes", "y"):
        return True
    raise RowError(f"{name}={value!r} is not yes/no")


def whole(row, name, *, default=None, low=0, high=100_000):
    value = text(row, name)
    if not value:
        return default
    if as_whole(value) is None or not low <= int(value) <= high:
        raise RowError(f"{name}={value!r} is not a whole number from {low} to {high}")
    return int(value)


def day(row, name):
    value = text(row, name)
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise RowError(f"{name}={value!r} is not a date (YYYY-MM-DD)") from None


def pin(row):
    """Optional latitude/longitude columns: a point someone placed."""
    lat, lon = text(row, "latitude"), text(row, "longitude")
    if not lat and not lon:
        return None
    try:
        lat, lon = float(lat), float(lon)
    except ValueError:
        raise RowError(f"latitude/longitude ({lat!r}, {lon!r}) are not numbers") from None
    if not (math.isfinite(lat) and math.isfinite(lon)):
        raise RowError("latitude/longitude must be finite numbers")
    if not in_thailand(lat, lon):
        swapped = "; latitude and longitude look swapped" if in_thailand(lon, lat) else ""
        raise RowError(f"({lat}, {lon}) is outside Thailand{swapped}")
    return Point(lon, lat, srid=4326)


def shifts(row):
    """`2026-12-05T09:00/2026-12-05T12:00/20; …`: start/end/places, local time if no offset."""
    result = []
    for part in [p.strip() for p in text(row, "shifts").split(";") if p.strip()]:
        pieces = part.split("/")
        if len(pieces) != 3:
            raise RowError(f"shift {part!r}: write start/end/places")
        start, end = (_moment(p, part) for p in pieces[:2])
        if end <= start:
            raise RowError(f"shift {part!r} ends before it starts")
        if (as_whole(pieces[2]) or 0) < 1:
            raise RowError(f"shift {part!r}: places must be a whole number of at least 1")
        result.append((start, end, as_whole(pieces[2])))
    return result


def _moment(value, part) -> datetime:
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise RowError(
            f"shift {part!r}: {value!r} is not a date and time (YYYY-MM-DDTHH:MM)"
        ) from None
    # Thailand keeps one offset all year: a local time is never ambiguous.
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.get_default_timezone())


# --- the import ---------------------------------------------------------------------------------


@dataclass
class Row:
    line: int
    external_id: str
    values: dict
    pin: Point | None = None
    address: str = ""
    extra: object = None


def _read(path: Path, required_columns: set[str]):
    if not path.exists():
        raise FileError(f"{path}: no such file")
    handle = path.open(encoding="utf-8-sig", newline="")
    reader = csv.DictReader(handle)
    try:
        columns = set(reader.fieldnames or ())
    except UnicodeDecodeError:
        handle.close()
        raise FileError(f"{path}: not UTF-8 text") from None
    except csv.Error as exc:
        handle.close()
        raise FileError(f"{path}: the header cannot be read: {exc}") from None
    missing = required_columns - columns
    if missing:
        handle.close()
        raise FileError(f"{path}: missing columns {', '.join(sorted(missing))}")
    return handle, reader


def _geocode_rows(rows: list[Row], report: ImportReport, use_remote: bool):
    """Each distinct address is geocoded once; rows with a pin need none."""
    answers = geocode_many(
        [r.address for r in rows if r.pin is None and r.address], use_remote=use_remote
    )
    for row in rows:
        if row.pin is not None:
            area = reverse_geocode(row.pin.y, row.pin.x)
            row.values.update(
                location=row.pin,
                precision=Precision.EXACT,
                area_id=area.tambon or area.amphoe or area.province,
            )
        elif row.address:
            result = answers[row.address]
            if result.lat is None:
                report.reject(
                    row.line, f"{row.external_id}: cannot place the address: {result.reason}"
                )
                row.values = None
                continue
            row.values.update(
                location=Point(result.lon, result.lat, srid=4326),
                precision=result.precision,
                area_id=result.tambon or result.amphoe or result.province,
            )
    return [row for row in rows if row.values is not None]


def _ewkt(point):
    return None if point is None else f"SRID=4326;POINT({point.x!r} {point.y!r})"


def _array(values):
    return "{" + ",".join(values) + "}"  # slugs only: nothing to quote


CONVERT_FOR_COPY = {"location": _ewkt, "causes": _array, "skills": _array, "languages": _array}


def upsert_rows(model, rows: list[Row], fields: list[str], report: ImportReport, insert_only: dict):
    """Insert new rows and update changed ones, by external_id (mapsite.importing.bulk_upsert)."""
    fields = [*fields, *LOCATION_FIELDS]
    convert = [CONVERT_FOR_COPY.get(f) for f in fields]
    values = (
        [
            row.external_id,
            *(
                c(row.values.get(f)) if c else row.values.get(f)
                for f, c in zip(fields, convert, strict=True)
            ),
        ]
        for row in rows
    )
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


def run_csv_import(path, required, parse, write, *, commit, show_progress, use_remote):
    """Read, check (by line), geocode and write a CSV file in one transaction; a dry run unless
    commit."""
    path = Path(path)
    report = ImportReport(source=str(path))
    handle, reader = _read(path, required)
    rows, seen = [], {}
    with handle:
        try:
            for raw in progress(reader, description="reading", enabled=show_progress):
                report.read += 1
                line = reader.line_num
                try:
                    external_id = text(raw, "external_id", required=True, max_length=100)
                    if external_id in seen:
                        raise RowError(
                            f"external_id {external_id!r} already on line {seen[external_id]}"
                        )
                    seen[external_id] = line
                    rows.append(parse(raw, Row(line, external_id, {})))
                except RowError as exc:
                    report.reject(line, str(exc))
        except UnicodeDecodeError:
            raise FileError(f"{path}: not UTF-8 text (after line {reader.line_num})") from None
        except csv.Error as exc:
            raise FileError(f"{path}: line {reader.line_num + 1} cannot be read: {exc}") from None
    with transaction.atomic():
        rows = [r for r in rows if r is not None]
        rows = _geocode_rows(rows, report, use_remote)
        write(rows, report)
        report.committed = commit
        if not commit:
            transaction.set_rollback(True)
    if commit and (report.created or report.updated):
        map_changed()  # bulk SQL sends no model signals
        bulk_imported.send(sender=run_csv_import)
    return report


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
            raise RowError("no address and no latitude/longitude")
        return row

    def write(rows, report):
        status = ModerationStatus.PUBLISHED if publish else ModerationStatus.PENDING
        upsert_rows(
            Organization,
            rows,
            ORGANIZATION_FIELDS,
            report,
            {"status": status, "logo": "", "rejection_reason": ""},
        )

    return run_csv_import(
        path,
        {"external_id", "name_th", "kind"},
        parse,
        write,
        commit=commit,
        show_progress=show_progress,
        use_remote=use_remote,
    )


def import_opportunities(
    path, *, commit=False, publish=False, show_progress=False, use_remote=False
):
    organizations = {}

    def parse(raw, row):
        org_id = text(raw, "organization_external_id", required=True)
        if org_id not in organizations:
            organizations[org_id] = Organization.objects.filter(external_id=org_id).first()
        org = organizations[org_id]
        if org is None:
            raise RowError(f"organization {org_id!r} is not known (import organizations first)")
        mode = choice(raw, "mode", Mode, default=Mode.ONSITE)
        row.pin, address = pin(raw), text(raw, "address")
        own_place = row.pin is not None or bool(address)
        row.values = {
            "organization_id": org.pk,
            "title": text(raw, "title", required=True, max_length=200),
            "title_en": text(raw, "title_en", max_length=200),
            "description": text(raw, "description"),
            "causes": choices(raw, "causes", Cause, required=True),
            "skills": choices(raw, "skills", Skill),
            "languages": choices(raw, "languages", Language),
            "mode": mode,
            "schedule": choice(raw, "schedule", Schedule, default=Schedule.ONE_OFF),
            "use_organization_location": not own_place,
            "starts_on": day(raw, "starts_on"),
            "ends_on": day(raw, "ends_on"),
            "volunteers_needed": whole(raw, "volunteers_needed", default=1, low=1),
            "minimum_age": whole(raw, "minimum_age", high=120),
            "family_friendly": flag(raw, "family_friendly"),
            "accessibility_notes": text(raw, "accessibility_notes"),
        }
        if (
            row.values["starts_on"]
            and row.values["ends_on"]
            and row.values["ends_on"] < row.values["starts_on"]
        ):
            raise RowError("ends_on is before starts_on")
        if own_place:
            row.address = row.values["address"] = address
        elif mode == Mode.REMOTE:
            row.values.update(
                address="",
                location=None,
                precision="",
                area_id=None,
                use_organization_location=False,
            )
        else:
            row.values.update(
                address=org.address,
                location=org.location,
                precision=org.precision,
                area_id=org.area_id,
            )
        row.extra = shifts(raw)
        return row

    def write(rows, report):
        status = Status.PUBLISHED if publish else Status.PENDING
        insert_only = {
            "status": status,
            "published_at": "now" if publish else None,
            "rejection_reason": "",
        }
        changed = upsert_rows(
            Opportunity, rows, [*OPPORTUNITY_FIELDS, "organization_id"], report, insert_only
        )
        # The file is the truth for the shifts too: a row whose shifts alone changed is updated.
        newly = set(sync_shifts({row.external_id: row.extra for row in rows})) - set(changed)
        report.updated += len(newly)
        report.unchanged -= len(newly)

    return run_csv_import(
        path,
        {"external_id", "organization_external_id", "title", "causes"},
        parse,
        write,
        commit=commit,
        show_progress=show_progress,
        use_remote=use_remote,
    )
