"""Every list, search, filter and deep page at 100k and 1M opportunities, through HTTP (the web server
as compose runs it: mapsite/web.py, DEBUG off), beside OFFSET paging of the same order in
SQL (what the numbered pages did); then full exports, checked line by line. One run:

    ./dev python bench/lists.py [--sizes 100000 1000000] [--requests 200] [--no-exports]

Prints p50 / p99 (ms) of each path and size (of 200 requests each: with 60, the p99 was the
slowest one, a single hiccup of the machine's), the rows each answer held (a path whose answers
are empty measures nothing), and, at the end, the export sizes and whether every row arrived.
"""

import argparse
import csv
import http.client
import io
import json
import os
import random
import re
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import _setup
from _server import SECRET_KEY, http_ms, web
from lighthouse import collect_static

DEPTH = 200_000  # rows before a deep page: page 4,000 of 50, as a crawler reaches it
NEAREST_DEPTH = 950  # near the end of a radius search's listed rows (common.pages.MAX_NEAREST)
LISTED = re.compile(rb'<li>\s*<a href="/opportunities/[0-9]+/"')
NAIVE = """
    SELECT o.id FROM opportunities_opportunity o
    JOIN places_organization g ON g.id = o.organization_id
    WHERE o.status = 'published' AND g.status = 'published'
      AND (o.ends_on IS NULL OR o.ends_on >= CURRENT_DATE)
    ORDER BY coalesce(o.published_at, o.created_at) DESC, o.id DESC
    OFFSET %s LIMIT 51
"""


def stats(times):
    return _setup.percentile(times, 0.5), _setup.percentile(times, 0.99)


def timed(port, paths):
    """(ms of each, features of each) for GETs of the paths, after a warm-up of a few."""
    for path in paths[:5]:
        http_ms(port, path)
    times, counts = [], []
    for path in paths:
        size = []
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        started = time.perf_counter()
        conn.request("GET", path)
        response = conn.getresponse()
        body = response.read()
        times.append((time.perf_counter() - started) * 1000)
        conn.close()
        if response.status != 200:
            raise SystemExit(f"{path}: HTTP {response.status} {body[:300]!r}")
        size.append(len(body))
        if path.startswith("/api/"):
            counts.append(len(json.loads(body)["features"]))
        else:
            counts.append(len(LISTED.findall(body)))
    return times, counts


def naive_ms(depths):
    from django.db import connection

    times = []
    with connection.cursor() as cursor:
        for depth in depths:
            started = time.perf_counter()
            cursor.execute(NAIVE, [depth])
            cursor.fetchall()
            times.append((time.perf_counter() - started) * 1000)
    return times


def cursor_at(keyset, queryset, depth):
    """The cursor of the row `depth` rows into the queryset's order (found once, untimed)."""
    row = keyset.ordered(queryset)[depth]
    return keyset.cursor(row)


def nearest_cursor(point, km, depth):
    from common import pages
    from opportunities.models import Opportunity

    rows = list(
        Opportunity.objects.published()
        .exclude(location=None)
        .within_km(point, km)
        .order_by("distance", "id")
        .values_list("distance", "id")[depth : depth + 1]
    )
    if not rows:
        return None
    metres, pk = rows[0]
    return pages._encode([pages.NEAREST_CURSOR, metres.m, pk, depth])


def export_check(port, path, published):
    """(seconds, MB, rows) of a whole export; exits when a row is missing."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    started = time.perf_counter()
    conn.request("GET", path)
    response = conn.getresponse()
    body = response.read()  # http.client raises IncompleteRead if the stream was cut
    seconds = time.perf_counter() - started
    if response.status != 200:
        raise SystemExit(f"{path}: HTTP {response.status}")
    if path.endswith(".csv"):
        rows = sum(1 for _ in csv.reader(io.StringIO(body.decode()))) - 1
    else:
        data = json.loads(body)
        rows = len(data["features"])
        if data["count"] != rows:
            raise SystemExit(f"{path}: says {data['count']:,} features, holds {rows:,}")
    if rows != published:
        raise SystemExit(f"{path}: {rows:,} rows of {published:,}")
    return seconds, len(body) / 1e6, rows


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--no-exports", action="store_true")
    args = parser.parse_args()
    os.environ["SECRET_KEY"] = SECRET_KEY  # the cursors made here are signed as the server's
    _setup.bench_database()
    from django.contrib.gis.geos import Point
    from synthetic import grow_opportunities, near, tambon_points

    from opportunities.models import NEWEST, SOONEST, Opportunity

    rng = random.Random(5)
    centres = [near(rng, lon, lat) for _, lon, lat in rng.choices(tambon_points(), k=args.requests)]
    results = {}
    static = Path(tempfile.mkdtemp(prefix="bench-static-"))
    collect_static(static)  # the pages' production settings want the hashed static files
    for size in args.sizes:
        added = grow_opportunities(size)
        published = Opportunity.objects.published()
        total = published.count()
        load = os.getloadavg()
        print(
            f"\n== {Opportunity.objects.count():,} opportunities, {total:,} published "
            f"({added:,} added now); load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} =="
        )
        n = args.requests
        # Words of titles that are listed (a number alone: in few titles), so no answer is empty.
        top = Opportunity.objects.order_by("-pk").values_list("pk", flat=True)[0]
        picked = [rng.randrange(1, top + 1) for _ in range(4 * n)]  # the same on every run
        titles = list(
            published.filter(pk__in=picked).order_by("pk").values_list("title", flat=True)
        )
        titles = titles[:n]
        numbers = [title.rsplit(" ", 1)[-1] for title in titles]
        deep_newest = cursor_at(NEWEST, published, min(DEPTH, total - 60))
        deep_soonest = cursor_at(SOONEST, published, min(DEPTH, total - 60))
        deep_near = [
            c
            for c in (
                nearest_cursor(Point(x, y, srid=4326), 50, NEAREST_DEPTH) for x, y in centres[:10]
            )
            if c
        ]
        paths = {
            "API, newest first": ["/api/v1/opportunities/"] * n,
            "API, page 4,000": [f"/api/v1/opportunities/?after={deep_newest}"] * n,
            "API, cause=": [
                f"/api/v1/opportunities/?cause={rng.choice(['animals', 'elderly', 'arts'])}"
                for _ in range(n)
            ],
            "API, cause= and skill=": [
                f"/api/v1/opportunities/?cause=health&skill={rng.choice(['medical', 'it'])}"
                for _ in range(n)
            ],
            "API, q= a rare word": [
                "/api/v1/opportunities/?" + urlencode({"q": f"ทดสอบ {k}"}) for k in numbers
            ],
            "API, q= a common word": ["/api/v1/opportunities/?q=Test"] * n,
            # Two letters have no trigram: looked for among the 10,000 newest (in many titles,
            # in none).
            "API, q= 2 letters, common": ["/api/v1/opportunities/?" + urlencode({"q": "ทด"})] * n,
            "API, q= 2 letters, in none": ["/api/v1/opportunities/?" + urlencode({"q": "ฝฝ"})] * n,
            "API, 10 km radius": [
                "/api/v1/opportunities/?" + urlencode({"near": f"{y:.5f},{x:.5f}"})
                for x, y in centres
            ],
            "API, radius, row 950": [
                "/api/v1/opportunities/?"
                + urlencode({"near": f"{y:.5f},{x:.5f}", "radius_km": 50, "after": c})
                for (x, y), c in zip(centres, deep_near, strict=False)
            ]
            * (n // max(1, len(deep_near))),
            "list page, soonest first": ["/opportunities/"] * n,
            "list page 10,000": [f"/opportunities/?after={deep_soonest}"] * n,
            "list, q= and cause=": ["/opportunities/?" + urlencode({"q": "ทดสอบ", "cause": "arts"})]
            * n,
            "organizations, by name": ["/api/v1/organizations/?" + urlencode({"q": "ทดสอบ"})] * n,
        }
        with web(workers=1, quiet=True, STATIC_ROOT=str(static)) as port:
            for label, urls in paths.items():
                times, counts = timed(port, urls)
                p50, p99 = stats(times)
                results.setdefault(label, {})[size] = p99
                print(
                    f"{label:<28} p50 {p50:7.2f}  p99 {p99:7.2f} ms"
                    f"   rows per answer {min(counts)}–{max(counts)}"
                )
            naive = naive_ms([DEPTH] * 5)
            print(
                f"{'SQL, OFFSET 200,000':<28} p50 {stats(naive)[0]:7.2f}  p99 {stats(naive)[1]:7.2f} ms"
                "   (numbered pages: the database alone)"
            )
            if not args.no_exports:
                for path in ("/exports/opportunities.csv", "/exports/opportunities.geojson"):
                    seconds, mb, rows = export_check(port, path, total)
                    print(
                        f"{path:<32} {seconds:6.1f} s  {mb:7.1f} MB  {rows:,} rows, all there "
                        f"({rows / seconds:,.0f} rows/s)"
                    )
    if len(args.sizes) > 1:
        small, big = args.sizes[0], args.sizes[-1]
        print(f"\np99 at {big:,} / p99 at {small:,}:")
        for label, by_size in results.items():
            print(f"  {label:<28} {by_size[big] / by_size[small]:5.2f}x")


if __name__ == "__main__":
    main()
