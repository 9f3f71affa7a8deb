"""Synthetic organizations and opportunities for the benchmarks, spread like Thailand's people:
a tambon is drawn uniformly (tambons are small where people are many, so their density follows
population), then a point near its representative point.

    ./dev python bench/synthetic.py 100000      # make the bench database hold 100,000 opportunities
"""

import argparse
import random
import time
from datetime import date, timedelta

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
                        "remote" if remote else "onsite",
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
                        "now",
                        "now",
                        "now",
                    ]
                )
        cursor.execute("ANALYZE opportunities_opportunity")
    return total - have


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
