"""Needs from a hotline's CSV (UTF-8): every row checked and reported by line, addresses geocoded
once each, matched on `external_id` (a second run changes nothing), one transaction, a dry run
unless `commit`.

Columns: external_id, title, category, and address or latitude/longitude; optional description,
urgency (critical / high / medium / low, or 4–1), people_affected, status (open / assigned /
resolved), reporter_name, reporter_phone, reporter_email."""

from django.utils.translation import gettext as _

from common.importing import RowError, choice, run_csv_import, text, whole
from needs.models import CATEGORIES, NEED_EDITABLE, Need, NeedStatus, Urgency
from places.importing import LocatedRow, locate_rows, pin, upsert_located

URGENCY_WORDS = {"critical": 4, "high": 3, "medium": 2, "low": 1}
CATEGORY_CODES = frozenset(code for code, _label in CATEGORIES)
# What a hotline's file sets: what coordinators write, but for assignments (theirs to make) and
# the incident (given for the whole file).
NEED_FIELDS = [
    *(
        f
        for f in NEED_EDITABLE
        if f not in ("incident", "assigned_opportunity", "assigned_organization")
    ),
    "incident_id",
]


def urgency(raw):
    value = text(raw, "urgency").lower() or "medium"
    value = URGENCY_WORDS.get(value, value)
    if str(value) not in {str(u) for u in Urgency.values}:
        raise RowError(
            _("urgency=%(value)r: choose critical, high, medium or low (or 4 to 1)")
            % {"value": value}
        )
    return int(value)


def import_needs(
    path, *, incident=None, commit=False, show_progress=False, use_remote=False, on_progress=None
):
    def parse(raw, row):
        category = text(raw, "category", required=True)
        if category not in CATEGORY_CODES:
            raise RowError(
                _("category=%(value)r: choose from %(allowed)s")
                % {"value": category, "allowed": ", ".join(sorted(CATEGORY_CODES))}
            )
        row.values = {
            "title": text(raw, "title", required=True, max_length=200),
            "description": text(raw, "description"),
            "category": category,
            "urgency": urgency(raw),
            "people_affected": whole(raw, "people_affected", default=1, low=0, high=10_000_000),
            "status": choice(raw, "status", NeedStatus, default=NeedStatus.OPEN),
            "address": text(raw, "address"),
            "reporter_name": text(raw, "reporter_name", max_length=120),
            "reporter_phone": text(raw, "reporter_phone", max_length=40),
            "reporter_email": text(raw, "reporter_email", max_length=254),
            "incident_id": incident.pk if incident else None,
        }
        row.pin, row.address = pin(raw), row.values["address"]
        if row.pin is None and not row.address:
            raise RowError(_("no address and no latitude/longitude"))
        return row

    def write(rows, report):
        rows = locate_rows(rows, report, use_remote)
        upsert_located(Need, rows, NEED_FIELDS, report, {"resolved_at": None})

    return run_csv_import(
        path,
        Need,
        {"external_id", "title", "category"},
        parse,
        write,
        commit=commit,
        show_progress=show_progress,
        row_class=LocatedRow,
        on_progress=on_progress,
    )
