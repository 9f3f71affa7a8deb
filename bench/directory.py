"""The organization directory at 100,000 organizations: its searches through HTTP (the web server as
compose runs it, DEBUG off), each beside its SQL floor (the statements the server sent for it,
run again straight through psycopg), in one run. A database of its own
(`<name>_bench_directory`): 100,000 organizations with Thai names as the network's are made
(a prefix, a word or two, a place), spread like people; 200,000 opportunities for the cause and
open-work filters.

    ./dev python bench/directory.py [--organizations 100000] [--requests 60]

Prints p50 / p99 (ms) of each path over HTTP and of its SQL, and the rows each answer held.
"""

import argparse
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

DIRECTORY = "synthetic-directory-"
OPPORTUNITIES = 200_000
KINDS = [
    ("foundation", "มูลนิธิ"),
    ("association", "สมาคม"),
    ("community", "ชมรม"),
    ("informal", "กลุ่ม"),
    ("religious", "วัด"),
    ("education", "โรงเรียน"),
    ("government", "สำนักงาน"),
    ("local", "องค์การบริหารส่วนตำบล"),
    ("business", "บริษัท"),
    ("international", "องค์การ"),
]
WORDS = [
    "รักษ์ป่า", "เด็กดอย", "จิตอาสา", "เพื่อนสัตว์", "รักษ์ทะเล", "ผู้สูงวัย", "คนพิการ", "แบ่งปัน",
    "ใจดี", "ร่วมใจ", "พัฒนา", "สร้างสรรค์", "ชุมชนเข้มแข็ง", "สายใย", "ต้นกล้า", "น้ำใจ",
    "กระจกเงา", "บ้านเด็ก", "อาหารกลางวัน", "การศึกษา", "สุขภาวะ", "ป่าชุมชน", "ภัยพิบัติ", "สันติ",
]  # fmt: skip
LISTED = re.compile(rb'<li>\s*<a href="/organizations/[0-9]+/"')


def believable_name(rng, place):
    kind, prefix = rng.choice(KINDS)
    return kind, f"{prefix}{''.join(rng.sample(WORDS, rng.choice([1, 2])))}{place}"


def ensure_directory(count, rng):
    """Organizations with believable names, until the directory holds `count` of its own. The
    organizations synthetic.py made for the opportunities get such names too (theirs all begin
    alike, so they would all sort together, which no real directory does)."""
    from django.contrib.gis.geos import Point
    from synthetic import near

    from places.models import Area, Organization

    renamed = []
    for org in Organization.objects.filter(name_th__startswith="องค์กรทดสอบ").select_related("area"):
        org.kind, org.name_th = believable_name(rng, org.area.name_th)
        renamed.append(org)
    Organization.objects.bulk_update(renamed, ["kind", "name_th"], batch_size=2000)
    have = Organization.objects.filter(external_id__startswith=DIRECTORY).count()
    with _cursor() as cursor:  # statistics as fresh as after a load (a migration may add columns)
        cursor.execute("ANALYZE places_organization")
    if have >= count:
        return 0
    tambons = [
        (a.code, a.name_th, a.point.x, a.point.y)
        for a in Area.objects.tambons().exclude(point=None).only("code", "name_th", "point")
    ]
    new = []
    for i in range(have, count):
        code, place, lon, lat = rng.choice(tambons)
        kind, name = believable_name(rng, place)
        x, y = near(rng, lon, lat)
        new.append(
            Organization(
                external_id=f"{DIRECTORY}{i}",
                name_th=name,
                name_en=f"Organization {i}",
                kind=kind,
                location=Point(x, y, srid=4326),
                precision="tambon",
                area_id=code,
                status="published",
                verified=rng.random() < 0.6,
                address=f"ต.{place}",
            )
        )
    Organization.objects.bulk_create(new, batch_size=5000)
    with _cursor() as cursor:
        cursor.execute("ANALYZE places_organization")
    return len(new)


def _cursor():
    from django.db import connection

    return connection.cursor()


def captured(paths):
    """The SQL the server sends for each path (the first of its URLs), asked in-process."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(SERVER_NAME="127.0.0.1")
    floors = {}
    for label, urls in paths.items():
        with CaptureQueriesContext(connection) as queries:
            status = client.get(urls[0]).status_code
        if status != 200:
            raise SystemExit(f"{urls[0]}: HTTP {status}")
        floors[label] = [
            q["sql"]
            for q in queries.captured_queries
            if "places_organization" in q["sql"] and not q["sql"].startswith(("SAVEPOINT", "SET"))
        ]
    return floors


def floor_ms(statements, n):
    times = []
    with _cursor() as cursor:
        for _ in range(n):
            started = time.perf_counter()
            for sql in statements:
                cursor.execute(sql)
                cursor.fetchall()
            times.append((time.perf_counter() - started) * 1000)
    return times


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--organizations", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=60)
    args = parser.parse_args()
    os.environ["SECRET_KEY"] = SECRET_KEY  # the cursor made here is signed as the server's
    _setup.bench_database("directory")
    from synthetic import grow_opportunities, near, tambon_points

    from places.models import BY_NAME, Organization

    added_opportunities = grow_opportunities(OPPORTUNITIES)
    rng = random.Random(17)
    added = ensure_directory(args.organizations, rng)
    published = Organization.objects.published()
    total = published.count()
    load = os.getloadavg()
    print(
        f"{total:,} published organizations ({added:,} added now, "
        f"{added_opportunities:,} opportunities added); "
        f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )
    n = args.requests
    places = list(
        published.filter(external_id__startswith=DIRECTORY)
        .order_by("?")
        .values_list("address", flat=True)[:n]
    )
    rare = [address.removeprefix("ต.") for address in places]  # a tambon's name: few share it
    centres = [near(rng, lon, lat) for _, lon, lat in rng.choices(tambon_points(), k=n)]
    deep = BY_NAME.cursor(BY_NAME.ordered(published)[total // 2])
    api, page = "/api/v1/organizations/?", "/organizations/?"
    paths = {
        "API, by name": [api] * n,
        "API, by name, halfway": [api + urlencode({"after": deep})] * n,
        "API, newest first": [api + "sort=newest"] * n,
        "API, q= a place's name": [api + urlencode({"q": word}) for word in rare],
        "API, q= a common word": [api + urlencode({"q": "จิตอาสา"})] * n,
        "API, q= with its prefix": [api + urlencode({"q": "มูลนิธิเด็กดอย"})] * n,
        "API, q= two words": [api + urlencode({"q": "รักษ์ป่า น้ำใจ"})] * n,
        "API, q= two letters": [api + urlencode({"q": "ใจ"})] * n,
        "API, kind= and province": [
            api + urlencode({"kind": kind, "area": province})
            for kind, province in zip(
                rng.choices([k for k, _ in KINDS], k=n),
                rng.choices(["10", "50", "40", "90", "57"], k=n),
                strict=True,
            )
        ],
        "API, cause=": [
            api + urlencode({"cause": rng.choice(["arts", "elderly"])}) for _ in range(n)
        ],
        "API, open=true, verified": [api + "open=true&verified=true"] * n,
        "API, nearest, 25 km": [
            api + urlencode({"near": f"{y:.5f},{x:.5f}", "radius_km": 25}) for x, y in centres
        ],
        "page, by name": [page] * n,
        "page, q= and province": [page + urlencode({"q": "จิตอาสา", "province": "50"})] * n,
        "page, nearest, 50 km": [
            page + urlencode({"near": f"{y:.5f},{x:.5f}", "radius_km": 50, "sort": "distance"})
            for x, y in centres
        ],
    }
    floors = captured(paths)
    static = Path(tempfile.mkdtemp(prefix="bench-static-"))
    collect_static(static)
    print(f"{'':<28} {'HTTP p50':>9} {'p99':>8} {'SQL p50':>9} {'p99':>8}   rows per answer")
    worst = 0.0
    with web(workers=1, quiet=True, STATIC_ROOT=str(static)) as port:
        for label, urls in paths.items():
            for url in urls[:5]:
                http_ms(port, url)
            times = [http_ms(port, url) for url in urls]
            counts = [_rows(port, url) for url in urls[:10]]
            http_p50, http_p99 = _setup.percentile(times, 0.5), _setup.percentile(times, 0.99)
            sql = floor_ms(floors[label], n)
            worst = max(worst, http_p99)
            print(
                f"{label:<28} {http_p50:9.2f} {http_p99:8.2f} {_setup.percentile(sql, 0.5):9.2f} "
                f"{_setup.percentile(sql, 0.99):8.2f}   {min(counts)}–{max(counts)}"
            )
    load = os.getloadavg()
    print(
        f"worst p99 over HTTP: {worst:.1f} ms (aim ≤ 30 ms); "
        f"load average at the end {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )


def _rows(port, url):
    """How many organizations the answer lists (untimed; an empty answer stops the run)."""
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", url)
    body = conn.getresponse().read()
    conn.close()
    count = (
        len(json.loads(body)["features"]) if url.startswith("/api/") else len(LISTED.findall(body))
    )
    if count == 0:
        raise SystemExit(f"{url}: an empty answer measures nothing")
    return count


if __name__ == "__main__":
    main()
