"""Digest run for 100k volunteers, time and memory: volunteers.digests.send_digests("weekly") over
every saved search at once, then again at once (it must send nothing: one digest per volunteer
and period), and with `--tracemalloc` once more from scratch under tracemalloc (3–4 times slower).

    ./dev python bench/digests.py [--opportunities 1000000] [--volunteers 100000] [--batch 500]
                                  [--frequency weekly] [--tracemalloc] [--explain]

Prints the set-up (opportunities in the window, saved searches by kind), then per run: wall time,
volunteers matched / e-mails sent / failed / skipped, the time of each phase (SQL statements
timed one by one, and the waits for the "sent" marks, which run ahead of them; the matching, done
one batch ahead on a connection of its own while the e-mails are written, marked [ahead] and not
counted in the sum; Python is the rest: rendering, MIME, ORM, waiting for the next batch's
matches), the temporary tables' rows and size,
and memory: the process's RSS before and after, its peak sampled every 10 ms during the run,
ru_maxrss (the whole process's: when the data was built by this run, it says so, and the
figures of the run alone are the sampled peak's, or a second invocation's), and the tracemalloc peak (Python allocations
only) of the third run. `--explain` adds EXPLAIN (ANALYZE, BUFFERS) of the statement that joins
the searches to the opportunities.

Runs in a bench database of its own (`<name>_bench_digests`, or BENCH_DATABASE_URL + `_digests`):
bench/synthetic.py's opportunities (published over the past year, so about 1.9 % in the last
week); `--volunteers` active users `digest-<n>` with a volunteer profile and a current consent to
digests, each with 1 (60 %) or 2 saved searches: 80 % circles of 5–30 km around tambon points
(where people are), 15 % an area (tambon, amphoe or province), 5 % remote only; 10 % of the
others include remote ones too; 40 % filter 1–3 causes, 10 % 1–2 skills; 90 % weekly, 10 %
monthly. They are made once (COPY, bulk_create) and kept while their number stays the same.
E-mails go to a backend that builds each one as SMTP would (MIME bytes), counts it and keeps
nothing. The digests table is emptied first, so the script can be run again.
"""

import argparse
import contextlib
import functools
import gc
import logging
import os
import random
import resource
import threading
import time
import tracemalloc
from datetime import UTC, datetime

import _setup
from django.core.mail.backends.base import BaseEmailBackend

PREFIX = "digest-"
RADII_KM = (5, 10, 10, 15, 20, 25, 30)
MIB = 1024 * 1024
AHEAD = " [ahead]"


class CountingBackend(BaseEmailBackend):
    """Builds every message's MIME bytes (what an SMTP backend sends), counts them, keeps none."""

    messages = 0
    bytes = 0

    def send_messages(self, email_messages):
        for message in email_messages:
            CountingBackend.bytes += len(message.message().as_bytes())
        CountingBackend.messages += len(email_messages)
        return len(email_messages)


def rss():
    """Resident set size now, in bytes."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize()


def max_rss():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


class RssSampler(threading.Thread):
    """The highest RSS seen, sampled every 10 ms while running."""

    def __init__(self):
        super().__init__(daemon=True)
        self.peak = rss()
        self.done = threading.Event()

    def run(self):
        while not self.done.wait(0.01):
            self.peak = max(self.peak, rss())

    def stop(self):
        self.done.set()
        self.join()
        self.peak = max(self.peak, rss())


# --- set-up ----------------------------------------------------------------------------------------


FORGET = (  # the digest volunteers of an earlier run, dependants first
    "DELETE FROM volunteers_digest x USING auth_user u WHERE x.user_id = u.id AND u.username LIKE %s",
    "DELETE FROM volunteers_savedsearch x USING auth_user u WHERE x.user_id = u.id AND u.username LIKE %s",
    "DELETE FROM volunteers_consent x USING auth_user u WHERE x.user_id = u.id AND u.username LIKE %s",
    "DELETE FROM volunteers_volunteer x USING auth_user u WHERE x.user_id = u.id AND u.username LIKE %s",
    "DELETE FROM auth_user WHERE username LIKE %s",
)
BATCH = 5000


def saved_searches(rng, homes, tambons, areas):
    """1 or 2 saved searches per volunteer (see the module's docstring)."""
    from django.contrib.gis.geos import Point
    from synthetic import CAUSES, SKILLS, near

    from volunteers.models import SavedSearch

    for user, (_, lon, lat) in homes.items():
        for n in range(1 if rng.random() < 0.6 else 2):
            kind = rng.random()
            search = SavedSearch(user_id=user, name=f"search {n + 1}")
            search.include_remote = rng.random() < 0.1
            if kind < 0.8:
                if n:  # a second circle: somewhere else (family, work, holidays)
                    _, lon, lat = rng.choice(tambons)
                search.centre = Point(*near(rng, lon, lat), srid=4326)
                search.radius_km = rng.choice(RADII_KM)
            elif kind < 0.95:
                search.area_id = rng.choice(areas[rng.choices((6, 4, 2), (4, 4, 2))[0]])
            else:
                search.include_remote = True
            if rng.random() < 0.4:
                search.causes = rng.sample(CAUSES, rng.randint(1, 3))
            if rng.random() < 0.1:
                search.skills = rng.sample(SKILLS, rng.randint(1, 2))
            search.frequency = "weekly" if rng.random() < 0.9 else "monthly"
            yield search


def ensure_volunteers(count, seed=11):
    """`count` digest volunteers with their saved searches; made anew when their number differs.
    The users go in by COPY, the rest by bulk_create (which follows the models as they change).
    Returns whether they were made."""
    from django.contrib.gis.geos import Point
    from django.db import connection, transaction
    from synthetic import tambon_points

    from places.models import Area
    from volunteers.models import Consent, Purpose, SavedSearch, Volunteer
    from volunteers.privacy import NOTICE_VERSION, coarsen

    mine = [PREFIX + "%"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM auth_user WHERE username LIKE %s", mine)
        if cursor.fetchone()[0] == count:
            return False
    rng = random.Random(seed)
    tambons = tambon_points()
    areas = {2: [], 4: [], 6: []}
    for code in Area.objects.values_list("code", flat=True):
        areas[len(code)].append(code)
    now = datetime.now(UTC)
    with transaction.atomic(), connection.cursor() as cursor:
        for statement in FORGET:
            cursor.execute(statement, mine)
        _setup.copy_rows(
            cursor,
            "auth_user",
            _setup.USER_COLUMNS,
            (
                [
                    "!bench",
                    False,
                    f"{PREFIX}{i}",
                    "",
                    "",
                    f"{PREFIX}{i}@example.com",
                    False,
                    True,
                    now,
                ]
                for i in range(count)
            ),
        )
        cursor.execute("SELECT id FROM auth_user WHERE username LIKE %s ORDER BY id", mine)
        homes = {row[0]: rng.choice(tambons) for row in cursor.fetchall()}
        Volunteer.objects.bulk_create(
            (
                Volunteer(
                    user_id=user,
                    display_name=f"อาสาทดสอบ {i}",
                    home=coarsen(Point(lon, lat, srid=4326), "point")[0],
                    home_precision="grid",
                    home_area_id=code,
                    language="th" if rng.random() < 0.8 else "en",
                )
                for i, (user, (code, lon, lat)) in enumerate(homes.items())
            ),
            batch_size=BATCH,
        )
        Consent.objects.bulk_create(
            (
                Consent(user_id=user, purpose=Purpose.DIGEST, version=NOTICE_VERSION)
                for user in homes
            ),
            batch_size=BATCH,
        )
        SavedSearch.objects.bulk_create(
            saved_searches(rng, homes, tambons, areas), batch_size=BATCH
        )
    with connection.cursor() as cursor:
        for table in (
            "auth_user",
            "volunteers_volunteer",
            "volunteers_consent",
            "volunteers_savedsearch",
        ):
            cursor.execute("ANALYZE " + table)
    return True


def describe(frequency):
    from django.db import connection

    from volunteers.digests import WINDOW

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT count(*),
                   count(*) FILTER (WHERE published_at >= now() - %(window)s),
                   count(*) FILTER (WHERE published_at >= now() - %(window)s
                                      AND mode IN ('remote', 'hybrid'))
            FROM opportunities_opportunity
            """,
            {"window": WINDOW[frequency]},
        )
        total, fresh, fresh_remote = cursor.fetchone()
        print(
            f"{total:,} opportunities, {fresh:,} published in the last {WINDOW[frequency].days} "
            f"days ({fresh / total:.1%}), {fresh_remote:,} of them remote or hybrid"
        )
        cursor.execute(
            """
            SELECT count(DISTINCT u.id) AS users, count(s.id) AS searches,
                   count(s.id) FILTER (WHERE s.centre IS NOT NULL) AS circles,
                   count(s.id) FILTER (WHERE length(s.area_id) = 6) AS tambons,
                   count(s.id) FILTER (WHERE length(s.area_id) = 4) AS amphoes,
                   count(s.id) FILTER (WHERE length(s.area_id) = 2) AS provinces,
                   count(s.id) FILTER (WHERE s.centre IS NULL AND s.area_id IS NULL) AS remote_only,
                   count(s.id) FILTER (WHERE s.include_remote) AS remote,
                   count(s.id) FILTER (WHERE cardinality(s.causes) > 0) AS causes,
                   count(s.id) FILTER (WHERE cardinality(s.skills) > 0) AS skills,
                   count(s.id) FILTER (WHERE s.frequency = %(frequency)s) AS in_run,
                   count(DISTINCT u.id) FILTER (WHERE s.frequency = %(frequency)s) AS users_in_run
            FROM auth_user u JOIN volunteers_savedsearch s ON s.user_id = u.id
            WHERE u.username LIKE %(prefix)s
            """,
            {"prefix": PREFIX + "%", "frequency": frequency},
        )
        n = dict(zip([c.name for c in cursor.description], cursor.fetchone(), strict=True))
    print(
        f"{n['users']:,} volunteers (active, consenting to digests) with {n['searches']:,} saved "
        f"searches: {n['circles']:,} circles, areas {n['tambons']:,} tambons, {n['amphoes']:,} "
        f"amphoes, {n['provinces']:,} provinces, {n['remote_only']:,} remote only; "
        f"{n['remote']:,} include remote, {n['causes']:,} filter causes, {n['skills']:,} skills; "
        f"{n['in_run']:,} {frequency}, of {n['users_in_run']:,} volunteers"
    )


# --- measuring ---------------------------------------------------------------------------------------


class Statements:
    """An execute wrapper that times the run's SQL by phase and, once the searches are gathered,
    counts the temporary tables (that time is left out of the run's)."""

    def __init__(self):
        from volunteers import sql

        self.phases = {
            sql.DIGEST_DROP: "drop temporary tables",
            sql.DIGEST_FRESH: "fresh opportunities (temp table, GiST)",
            sql.DIGEST_SEARCHES: "searches of consenting volunteers (temp table)",
            sql.DIGEST_USERS: "next batch of volunteers",
            sql.DIGEST_MATCHES: "a batch's searches × fresh (≤ 100 each)",
            sql.DIGEST_CLAIM: "claim digests (INSERT … ON CONFLICT)",
        }
        self.matches_sql = sql.DIGEST_SEARCHES
        self.seconds, self.counts = {}, {}
        self.tables = None
        self.excluded = 0.0

    def phase(self, sql):
        if sql in self.phases:
            return self.phases[sql]
        if sql.lstrip().startswith("UPDATE"):
            return "mark failed (UPDATE)"
        if '"auth_user"' in sql:
            return "users + profiles (plain rows)"
        if '"opportunities_opportunity"' in sql:
            return "opportunities + organizations (plain rows)"
        return "other"

    @contextlib.contextmanager
    def marks(self):
        """Times the waits for the "sent" marks, which go to PostgreSQL through libpq directly
        (volunteers.digests.Marks), past the execute wrapper: what of them the sender waited for
        after writing the next e-mail."""
        from volunteers.digests import Marks

        phase = "mark sent (UPDATE, sent ahead): waited"
        wait = Marks.wait

        def timed(marks):
            started = time.perf_counter()
            wait(marks)
            self.seconds[phase] = self.seconds.get(phase, 0) + time.perf_counter() - started
            self.counts[phase] = self.counts.get(phase, 0) + 1

        Marks.wait = timed
        try:
            yield
        finally:
            Marks.wait = wait

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        result = execute(sql, params, many, context)
        phase = self.phase(sql)
        if threading.current_thread().name == "digest-matching":
            phase += AHEAD
        self.seconds[phase] = self.seconds.get(phase, 0) + time.perf_counter() - started
        self.counts[phase] = self.counts.get(phase, 0) + 1
        if sql == self.matches_sql:
            started = time.perf_counter()
            with context["connection"].connection.cursor() as cursor:
                cursor.execute(
                    """
                    SELECT (SELECT count(*) FROM digest_fresh),
                           (SELECT count(*) FROM digest_fresh_area),
                           (SELECT count(*) FROM digest_searches),
                           (SELECT count(DISTINCT user_id) FROM digest_searches),
                           pg_total_relation_size('digest_searches')
                           + pg_total_relation_size('digest_fresh')
                           + pg_total_relation_size('digest_fresh_area')
                    """
                )
                self.tables = cursor.fetchone()
            if not phase.endswith(AHEAD):  # else the sender did not wait for it
                self.excluded += time.perf_counter() - started
        return result

    @contextlib.contextmanager
    def everywhere(self):
        """On the run's connections: this thread's, and the one its matching opens ahead in a
        thread of its own (volunteers.digests.Ahead)."""
        from django.db import connection
        from django.db.backends.signals import connection_created

        def wrap(sender, connection, **kwargs):
            connection.execute_wrappers.append(self)

        connection_created.connect(wrap)
        try:
            with connection.execute_wrapper(self):
                yield
        finally:
            connection_created.disconnect(wrap)


def measured_run(frequency, batch, traced=False):

    from volunteers.digests import send_digests

    CountingBackend.messages = CountingBackend.bytes = 0
    statements = Statements()
    gc.collect()
    before, max_before = rss(), max_rss()
    sampler = RssSampler()
    sampler.start()
    if traced:
        tracemalloc.start()
    started = time.perf_counter()
    with statements.everywhere(), statements.marks():
        run = send_digests(frequency, batch=batch)
    wall = time.perf_counter() - started - statements.excluded
    peak_traced = tracemalloc.get_traced_memory()[1] if traced else None
    if traced:
        tracemalloc.stop()
    sampler.stop()
    memory = {
        "before": before,
        "after": rss(),
        "peak": sampler.peak,
        "max_before": max_before,
        "max_after": max_rss(),
        "traced": peak_traced,
    }
    return run, wall, statements, memory


def report(title, run, wall, statements, memory, details=True, built_here=False):
    """`built_here`: this process made the data, so its peak memory counts that too."""
    print(f"\n{title}: {wall:.2f} s wall")
    print(
        f"  volunteers matched {run.volunteers:,}, e-mails sent {run.sent:,}, failed "
        f"{run.failed:,}, skipped {run.skipped:,} (period {run.period})"
    )
    if run.sent:
        print(
            f"  e-mails built {CountingBackend.messages:,}: "
            f"{CountingBackend.bytes / CountingBackend.messages / 1024:.1f} KiB each, "
            f"{run.sent / wall:,.0f} per second overall"
        )
    if statements.tables and details:
        fresh, fresh_areas, searches, searchers, size = statements.tables
        print(
            f"  temporary tables: {fresh:,} fresh opportunities ({fresh_areas:,} area codes), "
            f"{searches:,} searches of {searchers:,} volunteers; {size / MIB:.0f} MiB in all"
        )
    if details:
        sql_total = sum(v for k, v in statements.seconds.items() if not k.endswith(AHEAD))
        print(f"  {'phase':<44} {'s':>7} {'share':>6} {'statements':>10}")
        for phase, seconds in sorted(statements.seconds.items(), key=lambda kv: -kv[1]):
            print(
                f"  {phase:<44} {seconds:7.2f} {seconds / wall:6.1%} "
                f"{statements.counts[phase]:>10,}"
            )
        python = wall - sql_total
        print(f"  {'Python: render, MIME, ORM, the rest':<44} {python:7.2f} {python / wall:6.1%}")
        print(f"  ({AHEAD.strip()}: on a connection of its own, while the e-mails are written)")
    print(
        f"  memory: RSS {memory['before'] / MIB:.0f} MiB before, {memory['after'] / MIB:.0f} MiB "
        f"after ({(memory['after'] - memory['before']) / MIB:+.0f}), peak sampled during the run "
        f"{memory['peak'] / MIB:.0f} MiB ({(memory['peak'] - memory['before']) / MIB:+.0f}); "
        f"ru_maxrss {memory['max_before'] / MIB:.0f} → {memory['max_after'] / MIB:.0f} MiB"
        + (
            " (the process's peak includes building the data just now: run the bench again "
            "for the run's own)"
            if built_here
            else ""
        )
    )
    if memory["traced"] is not None:
        print(f"  tracemalloc peak (Python allocations): {memory['traced'] / MIB:.1f} MiB")


def explain(frequency):
    """EXPLAIN (ANALYZE, BUFFERS) of the join, in the state a run meets it (nothing claimed)."""
    from django.db import connection
    from django.utils import timezone

    from volunteers import sql
    from volunteers.digests import WINDOW, period_of

    now = timezone.now()
    today = timezone.localdate(now)
    params = {
        "frequency": frequency,
        "period": period_of(frequency, today),
        "since": now - WINDOW[frequency],
        "now": now,
        "today": today,
    }
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE volunteers_digest")
        cursor.execute(sql.DIGEST_DROP)
        cursor.execute(sql.DIGEST_FRESH, params)
        cursor.execute(sql.DIGEST_SEARCHES, params)
        cursor.execute(sql.DIGEST_USERS, {"after": 0, "batch": 500})
        users = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "EXPLAIN (ANALYZE, BUFFERS) " + sql.DIGEST_MATCHES,
            {"users": users, "shown": 10, "cap": 100},
        )
        plan = [row[0] for row in cursor.fetchall()]
        cursor.execute(sql.DIGEST_DROP)
    print("\nEXPLAIN (ANALYZE, BUFFERS) of one batch's join (500 volunteers' searches × fresh):")
    print("    " + "\n    ".join(plan))


def load():
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--opportunities", type=int, default=1_000_000)
    parser.add_argument("--volunteers", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--frequency", choices=["weekly", "monthly"], default="weekly")
    parser.add_argument("--tracemalloc", action="store_true", help="a third run, traced")
    parser.add_argument("--explain", action="store_true")
    args = parser.parse_args()
    _setup.bench_database("digests")
    from django.conf import settings
    from django.db import connection
    from synthetic import grow_opportunities, keep_current

    settings.DEBUG = False  # no query log, as in production
    settings.EMAIL_BACKEND = f"{__name__}.CountingBackend"
    logging.getLogger("volunteers.digests").setLevel(logging.WARNING)  # the report says it all
    print(
        f"bench database {connection.settings_dict['NAME']}; {os.cpu_count()} CPUs, "
        f"load average {load()}"
    )
    started = time.perf_counter()
    keep_current()
    added = grow_opportunities(args.opportunities)
    made = ensure_volunteers(args.volunteers)
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE volunteers_digest")
    if added or made:
        print(
            f"set up in {time.perf_counter() - started:.0f} s: {added:,} opportunities added, "
            f"{args.volunteers:,} volunteers {'made' if made else 'kept'}"
        )
    describe(args.frequency)

    measured = measured_run(args.frequency, args.batch)
    show = functools.partial(report, built_here=bool(added or made))
    show(f'run 1: send_digests("{args.frequency}"), batch {args.batch}', *measured)
    print(f"  load average now {load()} (other work on the machine makes the figures slower)")
    run = measured_run(args.frequency, args.batch)
    show("run 2, at once (must send nothing)", *run, details=False)
    if args.tracemalloc:
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE volunteers_digest")
        run = measured_run(args.frequency, args.batch, traced=True)
        show("run 3, from scratch under tracemalloc (slower)", *run, details=False)
    if args.explain:
        explain(args.frequency)


if __name__ == "__main__":
    main()
