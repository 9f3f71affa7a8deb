"""Import rate with geocoding: a CSV of N opportunities in Thai, half at their organization's
place and half at an address of their own (every one geocoded by the offline gazetteer), through
import_opportunities; then the same file again (nothing changes).

    ./dev python bench/import_rate.py [--rows 50000] [--distinct-addresses 1000]

Prints rows/s for the first import (creates) and the second (unchanged), and the distinct
addresses geocoded. Runs in the bench database and removes its rows afterwards.
"""

import argparse
import csv
import random
import tempfile
import time
from pathlib import Path

import _setup

PREFIX = "import-bench-"


def write_csv(path, rows, rng, distinct=None):
    from synthetic import CAUSES, SKILLS, SYNTHETIC

    from places.models import Area

    areas = {a.code: a for a in Area.objects.only("code", "name_th", "postcodes")}
    tambons = [a for a in areas.values() if a.level == "tambon"]
    venues = [rng.randrange(10**9) for _ in range(distinct)] if distinct else None
    organizations = [f"{SYNTHETIC}org-{i}" for i in range(100)]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "external_id",
                "organization_external_id",
                "title",
                "causes",
                "skills",
                "mode",
                "schedule",
                "address",
                "starts_on",
                "ends_on",
                "volunteers_needed",
                "shifts",
            ]
        )
        for i in range(rows):
            address = ""
            if i % 2:
                if venues:  # the same few places again and again, as real venues are
                    rng_venue = random.Random(rng.choice(venues))
                    t = rng_venue.choice(tambons)
                else:
                    rng_venue = rng
                    t = rng.choice(tambons)
                a, p = areas[t.code[:4]], areas[t.code[:2]]
                prefix = ("แขวง", "เขต") if p.code == "10" else ("ต.", "อ.")
                address = (
                    f"{rng_venue.randint(1, 300)}/{rng_venue.randint(1, 40)} "
                    f"ม.{rng_venue.randint(1, 15)} "
                    f"{prefix[0]}{t.name_th} {prefix[1]}{a.name_th.removeprefix('เขต')} "
                    f"จ.{p.name_th} {t.postcodes[0] if t.postcodes else ''}"
                )
            writer.writerow(
                [
                    f"{PREFIX}{i}",
                    rng.choice(organizations),
                    f"งานอาสา {i}",
                    ";".join(rng.sample(CAUSES, 2)),
                    rng.choice(SKILLS),
                    "onsite",
                    "one_off",
                    address,
                    "2031-01-10",
                    "2031-01-11",
                    rng.randint(1, 30),
                    "2031-01-10T09:00/2031-01-10T12:00/10",
                ]
            )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument(
        "--distinct-addresses",
        type=int,
        default=None,
        help="how many different addresses the rows use (default: all different)",
    )
    args = parser.parse_args()
    _setup.bench_database()
    from synthetic import ensure_organizations, tambon_points

    from geocoding.service import gazetteer
    from opportunities.importing import import_opportunities
    from opportunities.models import Opportunity

    rng = random.Random(5)
    ensure_organizations(100, rng, tambon_points())
    gazetteer()  # loaded once per process, as in a long-running worker
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "opportunities.csv"
        write_csv(path, args.rows, rng, args.distinct_addresses)
        try:
            for label in ("first import (creates)", "second import (unchanged)"):
                started = time.perf_counter()
                report = import_opportunities(path, commit=True, publish=True)
                elapsed = time.perf_counter() - started
                print(
                    f"{label:<27} {args.rows / elapsed:>9,.0f} rows/s   ({elapsed:.1f} s; created "
                    f"{report.created}, updated {report.updated}, unchanged {report.unchanged}, "
                    f"rejected {len(report.rejected)})"
                )
        finally:
            Opportunity.objects.filter(external_id__startswith=PREFIX).delete()
    distinct = args.distinct_addresses or args.rows // 2
    print(
        f"{args.rows // 2:,} rows with addresses of their own, {distinct:,} different ones, "
        "geocoded offline"
    )


if __name__ == "__main__":
    main()
