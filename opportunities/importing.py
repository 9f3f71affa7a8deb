"""CSV import of opportunities (UTF-8, Thai addresses), with their shifts: the engine is
common.importing, the placing of rows places.importing. Matched on `external_id` so that a second
run changes nothing, in one transaction, a dry run unless `commit`."""

from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from common.importing import RowError, choice, choices, day, flag, run_csv_import, text, whole
from common.params import as_whole
from opportunities.models import OPPORTUNITY_EDITABLE, Opportunity, Status
from opportunities.sql import sync_shifts
from opportunities.taxonomy import Cause, Language, Mode, Schedule, Skill
from places.importing import LocatedRow, locate_rows, pin, upsert_located
from places.models import Organization


def shifts(row):
    """`2026-12-05T09:00/2026-12-05T12:00/20; …`: start/end/places, local time if no offset."""
    result = []
    for part in [p.strip() for p in text(row, "shifts").split(";") if p.strip()]:
        pieces = part.split("/")
        if len(pieces) != 3:
            raise RowError(_("shift %(shift)r: write start/end/places") % {"shift": part})
        start, end = (_moment(p, part) for p in pieces[:2])
        if end <= start:
            raise RowError(_("shift %(shift)r ends before it starts") % {"shift": part})
        if (as_whole(pieces[2]) or 0) < 1:
            raise RowError(
                _("shift %(shift)r: places must be a whole number of at least 1") % {"shift": part}
            )
        result.append((start, end, as_whole(pieces[2])))
    return result


def _moment(value, part) -> datetime:
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise RowError(
            _("shift %(shift)r: %(value)r is not a date and time (YYYY-MM-DDTHH:MM)")
            % {"shift": part, "value": value}
        ) from None
    # Thailand keeps one offset all year: a local time is never ambiguous.
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.get_default_timezone())


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
            raise RowError(
                _("organization %(id)r is not known (import organizations first)") % {"id": org_id}
            )
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
            raise RowError(_("ends_on is before starts_on"))
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
        rows = locate_rows(rows, report, use_remote)
        changed = upsert_located(
            Opportunity, rows, [*OPPORTUNITY_EDITABLE, "organization_id"], report, insert_only
        )
        # The file is the truth for the shifts too: a row whose shifts alone changed is updated.
        newly = set(sync_shifts({row.external_id: row.extra for row in rows})) - set(changed)
        report.updated += len(newly)
        report.unchanged -= len(newly)

    return run_csv_import(
        path,
        Opportunity,
        {"external_id", "organization_external_id", "title", "causes"},
        parse,
        write,
        commit=commit,
        show_progress=show_progress,
        row_class=LocatedRow,
    )
