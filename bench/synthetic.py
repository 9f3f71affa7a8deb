"""Synthetic organizations and opportunities for the benchmarks, spread like Thailand's people:
a tambon is drawn uniformly (tambons are small where people are many, so their density follows
population), then a point near its representative point. 5 % are remote, 5 % hybrid; they were
published at times spread evenly over the past year (so about 1.9 % in the last week).
`ensure_shifts` gives a share of them shifts in the next 90 days, and `keep_current` moves all
their dates forward when the database has aged, so those windows stay as full as when made.

    ./dev python bench/synthetic.py 100000      # make the bench database hold 100,000 opportunities
"""

import argparse
import random
import time
from datetime import UTC, date, datetime, timedelta

import _setup

CAUSES = [
    "children",
    "education",
    "elderly",
    "disability",
    "health",
    "environment",
    "animals",
    "disaster",
    "community",
    "arts",
    "religion",
    "human_rights",
    "poverty",
]
SKILLS = [
    "teaching",
    "languages",
    "medical",
    "first_aid",
    "care",
    "cooking",
    "construction",
    "driving",
    "logistics",
    "it",
    "design",
    "admin",
    "general",
]
WEST, SOUTH, EAST, NORTH = 97.35, 5.65, 105.65, 20.45
SYNTHETIC = "synthetic-"
HYBRID = 0.05  # of those not remote
PUBLISHED_OVER_DAYS = 365
SHIFT_HORIZON_DAYS = 90


def tambon_points():
    """(code, lon, lat) of every tambon with a point, own or borrowed."""
    from places.models import Area

    return [
        (a.code, a.point.x, a.point.y)
        for a in Area.objects.tambons().exclude(point=None).only("code", "point")
    ]


def near(rng, lon, lat, km=2.0):
    """A point about `km` from (lon, lat), kept inside Thailand's extent."""
    for _ in range(20):
        x, y = rng.gauss(lon, km / 105), rng.gauss(lat, km / 111)
        if WEST < x < EAST and SOUTH < y < NORTH:
            return x, y
    return lon, lat


def ensure_organizations(count, rng, tambons):
    from places.models import Organization

    have = Organization.objects.filter(external_id__startswith=SYNTHETIC).count()
    from django.contrib.gis.geos import Point

    new = []
    for i in range(have, count):
        code, lon, lat = rng.choice(tambons)
        x, y = near(rng, lon, lat)
        new.append(
            Organization(
                external_id=f"{SYNTHETIC}org-{i}",
                name_th=f"องค์กรทดสอบ {i}",
                kind="foundation",
                location=Point(x, y, srid=4326),
                precision="tambon",
                area_id=code,
                status="published",
                verified=True,
                address=f"ต.{code}",
            )
        )
    Organization.objects.bulk_create(new, batch_size=5000)
    return list(
        Organization.objects.filter(external_id__startswith=SYNTHETIC).values_list("pk", flat=True)
    )


def grow_opportunities(total, seed=1):
    """Add synthetic opportunities until there are `total`; returns how many were added."""
    from django.db import connection

    from opportunities.models import Opportunity

    have = Opportunity.objects.filter(external_id__startswith=SYNTHETIC).count()
    if have >= total:
        return 0
    rng = random.Random(seed + have)
    # Mode and publication time come from a generator of their own, so that every other value
    # (places above all) stays what earlier versions of this script drew.
    extra = random.Random((seed + have) * 7919 + 1)
    now = datetime.now(UTC)
    tambons = tambon_points()
    organizations = ensure_organizations(max(100, total // 100), rng, tambons)
    today = date.today()
    columns = [
        "external_id",
        "organization_id",
        "title",
        "title_en",
        "description",
        "causes",
        "skills",
        "languages",
        "mode",
        "schedule",
        "use_organization_location",
        "volunteers_needed",
        "family_friendly",
        "accessibility_notes",
        "status",
        "rejection_reason",
        "address",
        "precision",
        "location",
        "area_id",
        "starts_on",
        "ends_on",
        "published_at",
        "created_at",
        "updated_at",
    ]
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(f"COPY opportunities_opportunity ({', '.join(columns)}) FROM STDIN") as copy:
            for i in range(have, total):
                code, lon, lat = rng.choice(tambons)
                x, y = near(rng, lon, lat)
                remote = rng.random() < 0.05
                hybrid = not remote and extra.random() < HYBRID
                published = now - timedelta(days=extra.uniform(0, PUBLISHED_OVER_DAYS))
                created = published - timedelta(days=extra.uniform(0.01, 3))  # then reviewed
                start = today + timedelta(days=rng.randint(-30, 120))
                end = None if rng.random() < 0.3 else start + timedelta(days=rng.randint(0, 90))
                causes = "{" + ",".join(rng.sample(CAUSES, rng.randint(1, 3))) + "}"
                skills = "{" + ",".join(rng.sample(SKILLS, rng.randint(0, 2))) + "}"
                copy.write_row(
                    [
                        f"{SYNTHETIC}{i}",
                        rng.choice(organizations),
                        f"งานอาสาทดสอบ {i}",
                        f"Test opportunity {i}",
                        "",
                        causes,
                        skills,
                        "{th}",
                        "remote" if remote else "hybrid" if hybrid else "onsite",
                        rng.choice(["one_off", "recurring", "ongoing", "event"]),
                        False,
                        rng.randint(1, 50),
                        rng.random() < 0.3,
                        "",
                        "published",
                        "",
                        "",
                        "tambon",
                        None if remote else f"SRID=4326;POINT({x:.6f} {y:.6f})",
                        None if remote else code,
                        start,
                        end,
                        published,
                        created,
                        created,
                    ]
                )
        # As a quiet hour leaves the tables: statistics for the planner, the visibility map for
        # index-only scans and the trigram indexes' pending entries merged (a bench run straight
        # after the rows went in measured paths at 100k 15-35 times slower without them).
        for table in ("opportunities_opportunity", "places_organization"):
            cursor.execute(f"VACUUM (ANALYZE) {table}")
    return total - have


def keep_current():
    """Bring synthetic opportunities made by an earlier version of this script (all published at
    the moment they were made, none hybrid) to today's spread, then move every synthetic date
    (publication, start and end, shifts) forward by the whole days the database has aged.
    Returns the days moved."""
    from django.db import connection

    synthetic = {"synthetic": SYNTHETIC + "%"}
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE opportunities_opportunity SET
                published_at = now() - random() * %(over)s * interval '1 day',
                mode = CASE WHEN mode = 'onsite' AND random() < %(hybrid)s THEN 'hybrid' ELSE mode END
            WHERE external_id LIKE %(synthetic)s AND published_at = created_at
            """,
            {**synthetic, "over": PUBLISHED_OVER_DAYS, "hybrid": HYBRID},
        )
        cursor.execute(
            """
            SELECT floor(extract(epoch FROM now() - max(published_at)) / 86400)::int
            FROM opportunities_opportunity WHERE external_id LIKE %(synthetic)s
            """,
            synthetic,
        )
        days = cursor.fetchone()[0] or 0
        if days >= 1:
            print(f"moving the synthetic dates {days} days forward (the database has aged)")
            lag = {**synthetic, "lag": timedelta(days=days), "days": days}
            cursor.execute(
                """
                UPDATE opportunities_opportunity SET
                    published_at = published_at + %(lag)s, created_at = created_at + %(lag)s,
                    updated_at = updated_at + %(lag)s, starts_on = starts_on + %(days)s,
                    ends_on = ends_on + %(days)s
                WHERE external_id LIKE %(synthetic)s
                """,
                lag,
            )
            cursor.execute(
                """
                UPDATE opportunities_shift s SET
                    starts_at = starts_at + %(lag)s, ends_at = ends_at + %(lag)s
                FROM opportunities_opportunity o
                WHERE o.id = s.opportunity_id AND o.external_id LIKE %(synthetic)s
                """,
                lag,
            )
            cursor.execute("VACUUM ANALYZE opportunities_opportunity")
            cursor.execute("VACUUM ANALYZE opportunities_shift")
    return days


def ensure_shifts(percent=30):
    """Give `percent` % of the synthetic opportunities (those whose id ends in 00 to percent-1)
    1–4 shifts of 2–4 hours, on days in the next 90, starting at 05:00–21:00 Bangkok time (so
    some fall outside the volunteers' day parts). Those that have shifts keep them. Returns how
    many shifts were added."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        # Those that have shifts, read once: checked against the table being filled, they were
        # read again for every opportunity when the planner took the table for empty (a seq scan
        # of its growing heap: on a fresh database, 730,000 shifts had not gone in after 12 minutes).
        cursor.execute(
            "CREATE TEMP TABLE bench_with_shifts ON COMMIT DROP AS "
            "SELECT DISTINCT opportunity_id FROM opportunities_shift"
        )
        cursor.execute("ANALYZE bench_with_shifts")
        cursor.execute(
            """
            INSERT INTO opportunities_shift (opportunity_id, starts_at, ends_at, capacity)
            SELECT o.id, s.starts_at, s.starts_at + (2 + s.n %% 3) * interval '1 hour', 1 + s.n * 5
            FROM opportunities_opportunity o, LATERAL (
                SELECT n, (date_trunc('day', now() AT TIME ZONE 'Asia/Bangkok')
                           + (1 + floor(random() * (%(horizon)s - 1))) * interval '1 day'
                           + (5 + floor(random() * 17)) * interval '1 hour'
                          ) AT TIME ZONE 'Asia/Bangkok' AS starts_at
                FROM generate_series(1, 1 + o.id %% 4) AS n
            ) s
            WHERE o.external_id LIKE %(synthetic)s AND o.id %% 100 < %(percent)s
              AND NOT EXISTS (SELECT 1 FROM bench_with_shifts x WHERE x.opportunity_id = o.id)
            """,
            {"synthetic": SYNTHETIC + "%", "percent": percent, "horizon": SHIFT_HORIZON_DAYS},
        )
        added = cursor.rowcount
        if added:
            cursor.execute("ANALYZE opportunities_shift")
    return added


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("total", type=int)
    args = parser.parse_args()
    _setup.bench_database()
    started = time.perf_counter()
    added = grow_opportunities(args.total)
    print(f"added {added:,} synthetic opportunities in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
