"""Radius search at 100k and 1M opportunities: nearest 50 within 10 km and 50 km, through HTTP
(the web server, one request at a time) beside the raw SQL floor of the same query, in one run.

    ./dev python bench/radius.py [--sizes 100000 1000000] [--requests 400]

Prints p50 / p99 (ms) per size and radius, the HTTP/floor ratio, and the plan's index use.
"""

import argparse
import random
import time
from urllib.parse import urlencode

import _setup
from _server import http_ms, web

# The API's query at its leanest: one page, nearest first by the GiST index, exact distances,
# cut at the radius (what FeaturePagination does), without the ORM, HTTP or JSON.
SQL_FLOOR = """
    SELECT * FROM (
        SELECT o.id, ST_Distance(o.location, p.g) AS metres
        FROM opportunities_opportunity o
        JOIN places_organization g ON g.id = o.organization_id,
             (SELECT ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326)::geography AS g) p
        WHERE o.status = 'published' AND g.status = 'published' AND o.location IS NOT NULL
          AND (o.ends_on IS NULL OR o.ends_on >= CURRENT_DATE)
        ORDER BY o.location <-> p.g
        LIMIT 51
    ) page WHERE metres <= %(m)s
"""


def row(label, times):
    p50, p99 = _setup.percentile(times, 0.5), _setup.percentile(times, 0.99)
    return f"{label:<26} p50 {p50:7.2f}   p99 {p99:7.2f}"


def floor_ms(centres, km):
    from django.db import connection

    with connection.cursor() as cursor:
        for lon, lat in centres[:30]:  # warm up
            cursor.execute(SQL_FLOOR, {"lon": lon, "lat": lat, "m": km * 1000})
        times = []
        for lon, lat in centres:
            started = time.perf_counter()
            cursor.execute(SQL_FLOOR, {"lon": lon, "lat": lat, "m": km * 1000})
            cursor.fetchall()
            times.append((time.perf_counter() - started) * 1000)
    return times


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--requests", type=int, default=400)
    args = parser.parse_args()
    _setup.bench_database()
    from django.contrib.gis.geos import Point
    from synthetic import grow_opportunities, near, tambon_points

    from opportunities.models import Opportunity

    rng = random.Random(3)
    centres = [near(rng, lon, lat) for _, lon, lat in rng.choices(tambon_points(), k=args.requests)]
    for size in args.sizes:
        added = grow_opportunities(size)
        print(f"\n== {Opportunity.objects.count():,} opportunities ({added:,} added now) ==")
        centre = Point(100.5, 13.75, srid=4326)
        plan = Opportunity.objects.published().nearest_first(centre)[:51].explain()
        knn = "Index Scan using opportunities_opportunity_location" in plan and "Order By" in plan
        print(
            f"EXPLAIN of an API page near Bangkok: {'KNN scan of the GiST index' if knn else plan}"
        )
        with web() as port:
            for km in (10, 50):
                floor = floor_ms(centres, km)
                query = {"radius_km": km, "page_size": 50}
                paths = [
                    f"/api/v1/opportunities/?{urlencode({'near': f'{y:.5f},{x:.5f}', **query})}"
                    for x, y in centres
                ]
                for path in paths[:30]:
                    http_ms(port, path)
                timings = [http_ms(port, p) for p in paths]
                ratio = _setup.percentile(timings, 0.99) / _setup.percentile(floor, 0.99)
                print(row(f"{km} km, SQL floor (ms)", floor))
                print(row(f"{km} km, HTTP (ms)", timings) + f"   p99 {ratio:.1f}x the floor")


if __name__ == "__main__":
    main()
