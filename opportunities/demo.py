"""The demo data of `./dev run`: the package gazetteer, then believable organizations and
opportunities across Thailand (fixtures/demo/*.csv) through the same imports operators use, and
the original network's partners (each marked as demo in its description).
The fixtures' dates are moved forward by whole weeks so that the demo never lies in the past."""

import csv
import math
import tempfile
from datetime import date, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from opportunities import tiles
from opportunities.importing import import_opportunities
from places import package_gazetteer
from places.importing import import_organizations
from places.models import Organization, Trust

DEMO = settings.BASE_DIR / "fixtures" / "demo"
# Real partners of the original network (their names are public facts), as demo organizations.
DEMO_PARTNERS = "demo-partner-"


def _shifted(path: Path, today: date) -> Path:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        rows, columns = list(reader), reader.fieldnames
    starts = [date.fromisoformat(r["starts_on"]) for r in rows if r["starts_on"]]
    weeks = max(0, math.ceil((today - min(starts)).days / 7)) if starts else 0
    delta = timedelta(weeks=weeks)
    for row in rows:
        for name in ("starts_on", "ends_on"):
            if row[name]:
                row[name] = (date.fromisoformat(row[name]) + delta).isoformat()
        row["shifts"] = ";".join(
            "/".join(
                [
                    *(
                        (datetime.fromisoformat(moment) + delta).isoformat(timespec="minutes")
                        for moment in shift.split("/")[:2]
                    ),
                    shift.split("/")[2],
                ]
            )
            for shift in row["shifts"].split(";")
            if shift
        )
    out = Path(tempfile.mkstemp(prefix="demo-opportunities-", suffix=".csv")[1])
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, columns)
        writer.writeheader()
        writer.writerows(rows)
    return out


def load(today: date | None = None):
    today = today or timezone.localdate()
    reports = [package_gazetteer.load()]
    reports.append(import_organizations(DEMO / "organizations.csv", commit=True, publish=True))
    # The network's partners are named partners as moderators do it: logged (TrustChange).
    for organization in Organization.objects.filter(external_id__startswith=DEMO_PARTNERS):
        organization.change_trust(Trust.PARTNER, reason=_("demo data"))
    shifted = _shifted(DEMO / "opportunities.csv", today)
    try:
        report = import_opportunities(shifted, commit=True, publish=True)
        report.source = f"{DEMO / 'opportunities.csv'} (dates moved to start from {today})"
        reports.append(report)
    finally:
        shifted.unlink()
    for layer in tiles.LAYERS:
        tiles.rebuild_pyramid(layer)
    return reports
