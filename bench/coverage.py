"""Coverage for the whole country, against the issue's aim: with 1M opportunities and 100k needs,
recomputing coverage must be fast enough to refresh every few minutes (≤ 30 s), with an
incremental path. Prints, in the bench database (`<name>_bench`, beside radius.py and tiles.py):

* the data: opportunities (published), shifts to come, open needs, volunteers with a home area
  and a consent to be counted;
* needs.coverage.refresh(full=True): wall time of each round, areas, and each statement's time,
  every need's nearest help forgotten first (as on a first run, so that every run does the same
  work), then the runs that find it for the rest, a batch each;
* the incremental refresh after one opportunity added, one opportunity moved, one volunteer's
  home changed, and after 50 and 500 changes: wall time and how many areas it recomputed;
* the live half, per level (province, amphoe, tambon), in-process: the rows
  (needs.coverage.coverage: the open needs joined to the precomputed help) and the API's answer,
  with the rows and features a process keeps, and with none kept yet, p50 / max;
* uncovered needs (no published opportunity within 2 km: at 1M, none is uncovered at 20 km):
  the first page, most urgent first, and the rows it held (an empty answer stops the bench),
  beside the naive query that searches near every open need;
* over HTTP through the web server (production settings, one worker, a coordinator's token):
  GET /api/v1/coverage/?level=… (asked again unchanged, and just after a need changed: the
  answer is cached per version, and its unchanged areas' features kept) and
  /api/v1/needs/uncovered/, p50 / p99.

    ./dev python bench/coverage.py [--opportunities 1000000] [--needs 100000]
                                   [--volunteers 100000] [--rounds 3]

Needs (external id `bench-need-<n>`) lie near tambon points, drawn like the opportunities (where
people are): 80 % open, 10 % assigned, 10 % resolved; urgency critical 10 %, high 30 %, medium
40 %, low 20 %; reported over the past 60 days. Volunteers (users `coverage-<n>`) have a home
area near a tambon point (snapped to the 0.01° grid as the site stores it), a travel radius of
5–50 km and a current consent to suggestions (which is what lets them be counted). Both are made
once (COPY) and kept while their number stays the same.
"""

import argparse
import functools
import random
import statistics
import time
from datetime import UTC, datetime, timedelta

import _setup
from _server import http_ms, web

NEED = "bench-need-"
VOLUNTEER = "coverage-"
CATEGORIES = [
    "rescue",
    "evacuation",
    "food_water",
    "shelter",
    "medical",
    "cleanup",
    "supplies",
    "repairs",
    "elderly",
    "children",
]
RADII_KM = [5, 10, 10, 15, 20, 20, 30, 50]
# At a million opportunities every need has one within a few kilometres: the uncovered needs are
# timed at a distance where some are (an empty answer would measure nothing).
UNCOVERED_KM = 2


def ensure_needs(count, seed=21):
    from django.db import connection, transaction
    from synthetic import near, tambon_points

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM needs_need WHERE external_id LIKE %s", [NEED + "%"])
        if cursor.fetchone()[0] == count:
            return False
    rng = random.Random(seed)
    tambons = tambon_points()
    now = datetime.now(UTC)
    columns = [
        "external_id",
        "title",
        "description",
        "category",
        "urgency",
        "people_affected",
        "status",
        "address",
        "location",
        "precision",
        "area_id",
        "reporter_name",
        "reporter_phone",
        "reporter_email",
        "created_at",
        "updated_at",
    ]

    def rows():
        for i in range(count):
            code, lon, lat = rng.choice(tambons)
            x, y = near(rng, lon, lat)
            status = rng.choices(["open", "assigned", "resolved"], [8, 1, 1])[0]
            urgency = rng.choices([4, 3, 2, 1], [1, 3, 4, 2])[0]
            created = now - timedelta(days=rng.random() * 60)
            yield [
                f"{NEED}{i}",
                f"ความต้องการทดสอบ {i}",
                "",
                rng.choice(CATEGORIES),
                urgency,
                rng.randint(1, 200),
                status,
                "",
                f"SRID=4326;POINT({x} {y})",
                "tambon",
                code,
                "",
                "",
                "",
                created,
                created,
            ]

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM needs_need WHERE external_id LIKE %s", [NEED + "%"])
        _setup.copy_rows(cursor, "needs_need", columns, rows())
        cursor.execute("ANALYZE needs_need")
    return True


FORGET = (  # the volunteers of an earlier run, dependants first
    "DELETE FROM volunteers_consent x USING auth_user u WHERE x.user_id = u.id AND u.username LIKE %s",
    "DELETE FROM volunteers_volunteer x USING auth_user u WHERE x.user_id = u.id AND u.username LIKE %s",
)


def ensure_volunteers(count, seed=31):
    from django.contrib.gis.geos import Point
    from django.db import connection, transaction
    from synthetic import near, tambon_points

    from volunteers.privacy import NOTICE_VERSION, coarsen

    mine = [VOLUNTEER + "%"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM auth_user WHERE username LIKE %s", mine)
        if cursor.fetchone()[0] == count:
            return False
    rng = random.Random(seed)
    tambons = tambon_points()
    now = datetime.now(UTC)
    with transaction.atomic(), connection.cursor() as cursor:
        for statement in FORGET:
            cursor.execute(statement, mine)
        cursor.execute("DELETE FROM auth_user WHERE username LIKE %s", mine)
        _setup.copy_rows(
            cursor,
            "auth_user",
            _setup.USER_COLUMNS,
            (
                [
                    "!bench",
                    False,
                    f"{VOLUNTEER}{i}",
                    "",
                    "",
                    f"{VOLUNTEER}{i}@example.com",
                    False,
                    True,
                    now,
                ]
                for i in range(count)
            ),
        )
        cursor.execute("SELECT id FROM auth_user WHERE username LIKE %s ORDER BY id", mine)
        users = [row[0] for row in cursor.fetchall()]

        def profiles():
            for user in users:
                code, lon, lat = rng.choice(tambons)
                home = coarsen(Point(*near(rng, lon, lat), srid=4326), "exact")[0]
                yield [
                    user,
                    "อาสา",
                    "",
                    "{}",
                    "{}",
                    "{}",
                    "{}",
                    rng.choice(RADII_KM),
                    f"SRID=4326;POINT({home.x} {home.y})",
                    "grid",
                    code,
                    "th",
                    now,
                    now,
                ]

        _setup.copy_rows(
            cursor,
            "volunteers_volunteer",
            [
                "user_id",
                "display_name",
                "phone",
                "skills",
                "causes",
                "languages",
                "availability",
                "travel_radius_km",
                "home",
                "home_precision",
                "home_area_id",
                "language",
                "created_at",
                "updated_at",
            ],
            profiles(),
        )
        _setup.copy_rows(
            cursor,
            "volunteers_consent",
            ["user_id", "purpose", "version", "given_at"],
            ([u, "matching", NOTICE_VERSION, now] for u in users),
        )
        for table in ("auth_user", "volunteers_volunteer", "volunteers_consent"):
            cursor.execute("ANALYZE " + table)
    return True


def describe():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT (SELECT count(*) FROM opportunities_opportunity WHERE status = 'published'),
                      (SELECT count(*) FROM opportunities_shift WHERE starts_at > now()),
                      (SELECT count(*) FROM needs_need WHERE status = 'open'),
                      (SELECT count(*) FROM needs_need),
                      (SELECT count(*) FROM volunteers_volunteer v WHERE home IS NOT NULL AND EXISTS (
                          SELECT 1 FROM volunteers_consent c WHERE c.user_id = v.user_id
                          AND c.purpose = 'matching' AND c.withdrawn_at IS NULL)),
                      (SELECT count(*) FROM places_area WHERE point IS NOT NULL)"""
        )
        published, shifts, open_needs, needs, volunteers, areas = cursor.fetchone()
    print(
        f"published opportunities {published:,} · shifts to come {shifts:,} · needs {needs:,} ({open_needs:,} open)"
    )
    print(f"volunteers counted {volunteers:,} · areas with a point {areas:,}\n")


def timed_statements(run):
    """Run `run()` while timing each SQL statement; returns (seconds, result, [(ms, first line)])."""
    from django.db import connection

    statements = []

    def wrapper(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            first = " ".join(sql.split())[:70]
            statements.append(((time.perf_counter() - started) * 1000, first))

    started = time.perf_counter()
    with connection.execute_wrapper(wrapper):
        result = run()
    return time.perf_counter() - started, result, statements


def full_refresh(rounds):
    from needs.coverage import refresh
    from needs.models import NeedHelp

    # As on a first run: every need's nearest help is found again, so a second run measures the
    # same work (the full rounds and the batches after them).
    NeedHelp.objects.update(metres=None, opportunity=None, computed_at=None)
    print("full refresh (every area; every need's nearest help forgotten first)")
    times = []
    for n in range(rounds):
        seconds, run, statements = timed_statements(lambda: refresh(full=True))
        times.append(seconds)
        print(
            f"  round {n + 1}: {seconds:6.2f} s, {run.areas:,} areas; nearest help found for "
            f"{run.needs:,} open needs, {run.needs_left:,} left for the next runs"
        )
    print(f"  p50 {statistics.median(times):.2f} s, max {max(times):.2f} s (aim ≤ 30 s)")
    print("  statements of the last round (ms):")
    for ms, first in sorted(statements, reverse=True)[:6]:
        print(f"    {ms:9.1f}  {first}")
    print()


def needs_help():
    """The runs after a full refresh until every open need has its nearest help."""
    from needs.coverage import refresh

    print("the open needs' nearest help, one batch per run (every minute), until all have it")
    while True:
        started = time.perf_counter()
        run = refresh()
        print(
            f"  {(time.perf_counter() - started) * 1000:8.0f} ms: {run.needs:,} needs, "
            f"{run.needs_left:,} left"
        )
        if not run.needs_left:
            break
    print()


def incremental():
    from django.contrib.gis.geos import Point
    from synthetic import near, tambon_points

    from needs.coverage import refresh
    from opportunities.models import Opportunity
    from places.models import Organization
    from volunteers.models import Volunteer

    rng = random.Random(5)
    tambons = tambon_points()
    org = Organization.objects.filter(status="published").first()
    print("incremental refresh (areas within reach of what changed)")

    def show(label, change):
        change()
        seconds, run, _ = timed_statements(refresh)
        print(
            f"  {label:<38} {seconds * 1000:8.0f} ms, {run.areas:,} areas ({run.mode}), "
            f"nearest help of {run.needs:,} needs found again"
        )

    made = []

    def add_one():
        code, lon, lat = rng.choice(tambons)
        made.append(
            Opportunity.objects.create(
                organization=org,
                title="bench coverage",
                causes=["disaster"],
                status="published",
                location=Point(*near(rng, lon, lat), srid=4326),
                precision="exact",
                area_id=code,
                published_at=datetime.now(UTC),
                use_organization_location=False,
            )
        )

    def move_one():
        code, lon, lat = rng.choice(tambons)
        o = made[0]
        o.location, o.area_id = Point(*near(rng, lon, lat), srid=4326), code
        o.save()

    def move_home():
        v = Volunteer.objects.filter(user__username__startswith=VOLUNTEER).order_by("pk").first()
        code, lon, lat = rng.choice(tambons)
        while code == v.home_area_id:  # elsewhere than now, on every run (a second run too)
            code, lon, lat = rng.choice(tambons)
        v.home, v.home_area_id = Point(lon, lat, srid=4326), code
        v.save()

    def add(n):
        return lambda: [add_one() for _ in range(n)]

    try:
        show("one opportunity added", add_one)
        show("that opportunity moved", move_one)
        show("one volunteer's home area changed", move_home)
        show("50 opportunities added", add(50))
        show("500 opportunities added (then: full)", add(500))
    finally:
        Opportunity.objects.filter(pk__in=[o.pk for o in made]).delete()
        refresh()
    print()


def live(rounds):
    from django.db.models import Exists, OuterRef
    from django.http import QueryDict

    from needs.api import coverage_answer, coverage_feature_json
    from needs.coverage import coverage, kept_row
    from needs.models import HelpChange, Need
    from needs.params import coverage_filters
    from opportunities.models import Opportunity

    print(
        "the live half, in-process (the open needs joined to the help): the rows\n"
        "(needs.coverage.coverage, the coordinators' page and exports) and the API's answer\n"
        "(needs.api.coverage_answer), with what a process keeps, and with nothing kept yet"
    )

    def forget_all():
        kept_row.cache_clear()
        coverage_feature_json.cache_clear()

    for level in ("province", "amphoe", "tambon"):
        filters = coverage_filters(QueryDict(f"level={level}"))

        def rows_of(level=level):
            return coverage(level)

        def answer_of(filters=filters):
            return coverage_answer(filters, False, False)["features"]

        for label, answer, forget in (
            ("rows", rows_of, lambda: None),
            ("rows, none kept", rows_of, kept_row.cache_clear),
            ("answer", answer_of, lambda: None),
            ("answer, none kept", answer_of, forget_all),
        ):
            times = []
            for _ in range(rounds + 2):
                forget()
                started = time.perf_counter()
                rows = answer()
                times.append((time.perf_counter() - started) * 1000)
            print(
                f"  {level:<9} {label:<18} {len(rows):6,} areas with open needs: p50 {statistics.median(times):7.1f} ms, max {max(times):7.1f} ms"
            )
    near = Opportunity.objects.published().filter(
        location__dwithin=(OuterRef("location"), UNCOVERED_KM * 1000)
    )
    searched = Need.objects.open().exclude(location=None).filter(~Exists(near))
    anywhere = HelpChange(point=None)  # a change too large to list (an import), until a refresh
    # Built inside the timing: uncovered() reads which needs it cannot let off as it is built.
    cases = [
        (km, label, functools.partial(Need.objects.uncovered, km), changed)
        for km in (UNCOVERED_KM, 1)
        for label, changed in (("uncovered needs", False), ("  just after a change anywhere", True))
    ]
    cases.append((UNCOVERED_KM, "  naive: every need searched near", lambda: searched, False))
    for km, label, needs, changed in cases:
        if changed:
            anywhere.save()
        times = []
        for _ in range(rounds + 2):
            started = time.perf_counter()
            page = list(needs().most_urgent_first()[:51])
            times.append((time.perf_counter() - started) * 1000)
        if changed:
            anywhere.delete()
        print(
            f"  {label} ({km} km), first page of 50: p50 {statistics.median(times):.1f} ms, max {max(times):.1f} ms ({len(page)} rows)"
        )
        if not page:
            raise SystemExit(f"no need is uncovered at {km} km: nothing was measured")
    started = time.perf_counter()
    total = Need.objects.uncovered(UNCOVERED_KM).count()
    print(
        f"  uncovered needs, all counted: {total:,} in {(time.perf_counter() - started) * 1000:.0f} ms\n"
    )


def answered_rows(port, path, headers):
    """Rows (features, or areas) in the answer to one GET."""
    import http.client
    import json

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", path, headers=headers)
    body = json.loads(conn.getresponse().read())
    conn.close()
    return len(body["features"]) if "features" in body else len(body.get("areas", body))


def over_http(requests):
    """Coverage answers are cached per version of the needs and the help (needs.api.CoverageView):
    each is timed as asked again with nothing changed, and just after a need changed (its
    people affected, written before each request: the answer is built again)."""
    from django.contrib.auth.models import Group, User
    from django.db.models import F
    from rest_framework.authtoken.models import Token

    from needs.models import Need

    user, _ = User.objects.get_or_create(username="bench-coordinator")
    user.groups.add(Group.objects.get(name="coordinators"))
    token, _ = Token.objects.get_or_create(user=user)
    headers = {"Authorization": f"Token {token.key}"}
    changed = Need.objects.filter(external_id=f"{NEED}0")

    def change():
        changed.update(people_affected=F("people_affected") + 1)

    print(f"over HTTP (one worker; {requests} requests each)")
    with web() as port:
        for path in (
            "/api/v1/coverage/?level=province",
            "/api/v1/coverage/?level=amphoe",
            "/api/v1/coverage/?level=tambon",
            f"/api/v1/needs/uncovered/?km={UNCOVERED_KM}",
            "/api/v1/needs/uncovered/?km=1",
        ):
            rows = answered_rows(port, path, headers)
            if not rows:
                raise SystemExit(f"{path} answered nothing: nothing was measured")
            cases = [("", None)]
            if "coverage" in path:
                cases = [("unchanged", None), ("a need changed", change)]
            for encoding in ("identity", "gzip"):  # gzip: what a browser is sent
                sent = {**headers, "Accept-Encoding": encoding}
                for label, before in cases:
                    http_ms(port, path, headers=sent)  # warm
                    sizes, times = [], []
                    for _ in range(requests):
                        if before:
                            before()
                        times.append(http_ms(port, path, headers=sent))
                    http_ms(port, path, headers=sent, size=sizes)
                    print(
                        f"  {path:<38} {encoding:<8} {label:<15} p50 {_setup.percentile(times, 0.5):7.1f} ms  p99 {_setup.percentile(times, 0.99):7.1f} ms  {sizes[0] / 1024:7.0f} KB, {rows:,} rows"
                    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--opportunities", type=int, default=1_000_000)
    parser.add_argument("--needs", type=int, default=100_000)
    parser.add_argument("--volunteers", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args()
    _setup.bench_database()
    from synthetic import ensure_shifts, grow_opportunities, keep_current

    started = time.perf_counter()
    grow_opportunities(args.opportunities)
    keep_current()
    ensure_shifts()
    made = ensure_needs(args.needs), ensure_volunteers(args.volunteers)
    print(
        f"set-up {time.perf_counter() - started:.1f} s (needs made: {made[0]}, volunteers made: {made[1]})"
    )
    describe()
    full_refresh(args.rounds)
    needs_help()
    incremental()
    live(args.rounds)
    over_http(args.requests)


if __name__ == "__main__":
    main()
