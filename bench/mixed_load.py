"""The map as many people use it at once: 70 % tiles (zoom 6–14, in the viewports of people around
Thai places), 30 % radius pages (10, 25 or 50 km around them), asked by wrk at 8 and 32
connections of the site's web server (mapsite/web.py: granian), 2 workers and as many as compose
starts on this machine (one per CPU, at most 9), or as many as --workers says, with one
thread each and with --threads; beside it, other ways to serve the same application: 2 sync and
2 threaded (×4) workers of gunicorn, 2 uvicorn workers of the ASGI application (an event loop,
Django's synchronous views each run in a thread); and the floor: the same SQL the server runs
for those requests, its rows written out and sent, through pgbench at the same concurrency, in
one run.

    ./dev python bench/mixed_load.py [--size 1000000] [--seconds 20] [--floor-seconds 10]
                                     [--urls 3000] [--threads 2] [--workers 2 3 5] [--tiles 0.7]
                                     [--rounds 1] [--only granian gunicorn uvicorn]

Needs wrk (apt-get install wrk). Prints requests/s, latency p50/p99 (ms) and non-2xx answers per
server and connection count, the floor's transactions/s measured just before each (the server
idle), the server's share of it (with --rounds, floor and server alternate: the means, and the
highest p99), and where the CPU went: milliseconds per request in the server's
processes and in PostgreSQL's (from /proc).
"""

import argparse
import os
import random
import re
import shutil
import subprocess
import tempfile
from functools import partial
from pathlib import Path

import _setup
from _server import SESSIONS, gunicorn, uvicorn, web

from mapsite.web import WORKERS as COMPOSE_WORKERS

LUA = """
local urls = {}
for line in io.lines(os.getenv("BENCH_URLS")) do urls[#urls + 1] = line end
local counter = 0
function setup(thread)
    counter = counter + 1
    thread:set("seed", counter)
end
function init(args)
    math.randomseed(tonumber(seed) * 7919 + PASS_OFFSET)
end
request = function()
    return wrk.format("GET", urls[math.random(#urls)], {["Accept-Encoding"] = "gzip"})
end
"""
FLOOR_FUNCTION = """
    CREATE TABLE IF NOT EXISTS bench_floor_sql (id int PRIMARY KEY, statements text[]);
    TRUNCATE bench_floor_sql;
    DROP FUNCTION IF EXISTS bench_floor(int);
    CREATE FUNCTION bench_floor(i int) RETURNS SETOF text LANGUAGE plpgsql AS $$
    DECLARE statement text;
    BEGIN
        FOR statement IN SELECT unnest(statements) FROM bench_floor_sql WHERE id = i LOOP
            -- Each row written out as text and sent, as the server receives it: a bare EXECUTE
            -- would drop the rows unwritten, a floor under the work a request needs (writing a
            -- radius page's 72 rows is an eighth to a fifth of its statement's time).
            RETURN QUERY EXECUTE format('SELECT s::text FROM (%s) s', statement);
        END LOOP;
    END $$;
"""


def prepare_map(size):
    """The bench database with `size` opportunities and the map's cluster pyramids current."""
    _setup.bench_database()
    from synthetic import grow_opportunities

    from opportunities import tiles

    grow_opportunities(size)
    for layer in tiles.LAYERS:
        tiles.refresh(layer)


def wrk_files(urls, prefix, passes=1) -> Path:
    """A folder with the URLs (urls.txt) and wrk's script for each pass (mix0.lua, mix1.lua, …),
    each pass drawing its own sequence of URLs, so that a second pass is not a replay of the
    first."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    (folder / "urls.txt").write_text("\n".join(urls) + "\n")
    for n in range(passes):
        (folder / f"mix{n}.lua").write_text(LUA.replace("PASS_OFFSET", str(n * 104729)))
    return folder


def sample_urls(rng, count, tiles=0.7):
    from synthetic import near, tambon_points
    from tiles import viewport_tiles

    places = tambon_points()
    urls = []
    for _ in range(count):
        _, lon, lat = rng.choice(places)
        x, y = near(rng, lon, lat, km=5)
        if rng.random() < tiles:
            z, tx, ty = rng.choice(viewport_tiles(x, y, rng.randint(6, 14)))
            urls.append(f"/tiles/opportunities/{z}/{tx}/{ty}.geojson")
        else:
            km = rng.choice([10, 25, 50])
            urls.append(f"/api/v1/opportunities/?near={y:.5f},{x:.5f}&radius_km={km}")
    return urls


def floor_statements(urls):
    """The SQL each URL costs the database, as the server sends it (tiles built, not cached),
    with its parameters written in (the radius searches' statements send them apart, prepared:
    the floor plans every statement, the server plans those once per connection)."""
    from django.db import connection
    from django.test import Client

    from opportunities import tiles

    client = Client(SERVER_NAME="127.0.0.1")
    statements = []

    def record(execute, sql, params, many, context):
        batch.append(connection.ops.compose_sql(sql, params) if params else sql)
        return execute(sql, params, many, context)

    for url in urls:
        batch = []
        with connection.execute_wrapper(record):
            if url.startswith("/tiles/"):
                z, x, y = (int(v) for v in re.findall(r"\d+", url))
                tiles.build_tile("opportunities", z, x, y, {})
            else:
                status = client.get(url).status_code
                if status != 200:
                    raise SystemExit(f"{url}: HTTP {status}")
        statements.append(batch)
    return statements


def load_floor(urls):
    """The floor's statements: what each URL costs the database, ready for pgbench()."""
    from django.db import connection

    statements = floor_statements(urls)
    with connection.cursor() as cursor:
        cursor.execute(FLOOR_FUNCTION)
        for i, batch in enumerate(statements, 1):
            cursor.execute("INSERT INTO bench_floor_sql VALUES (%s, %s)", [i, batch])


def wrk(port, urls_file, connections, seconds, script):
    result = subprocess.run(
        [
            tool("wrk"),
            "-t2",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            "--timeout",
            "10s",
            "-s",
            script,
            f"http://127.0.0.1:{port}",
        ],
        env={**os.environ, "BENCH_URLS": urls_file},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", result)[1])
    p50, p99 = (_ms(re.search(rf"\s{q}%\s+([\d.]+\w+)", result)[1]) for q in ("50", "99"))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", result)
    timeouts = re.search(r"timeout (\d+)", result)
    return rate, p50, p99, int(errors[1]) if errors else 0, int(timeouts[1]) if timeouts else 0


def _stat(pid) -> list[str]:
    """The fields of /proc/<pid>/stat after the command's name: state, parent, group, session…"""
    stat = Path(f"/proc/{pid}/stat").read_text()
    return stat[stat.rindex(")") + 2 :].split()


def cpu_seconds(session, postmaster):
    """CPU seconds used so far by the server's processes (its session) and by PostgreSQL's (the
    postmaster and its children), from /proc: each living process's own, and its children's
    that ended (a connection closed within a run is in the postmaster's)."""
    used, tick = {"server": 0.0, "postgres": 0.0}, os.sysconf("SC_CLK_TCK")
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            fields = _stat(pid)
        except OSError:  # ended
            continue
        parent, sid = int(fields[1]), int(fields[3])
        seconds = sum(int(t) for t in fields[11:15]) / tick  # utime stime cutime cstime
        if sid == session:
            used["server"] += seconds
        elif postmaster in (int(pid), parent):
            used["postgres"] += seconds
    return used


def postmaster_pid():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return int(_stat(cursor.fetchone()[0])[1])


def tool(name):
    path = shutil.which(name) or f"/usr/lib/postgresql/15/bin/{name}"
    if not Path(path).exists():
        raise SystemExit(f"{name} is needed: apt-get install {name}")
    return path


def _ms(text):
    number, unit = re.fullmatch(r"([\d.]+)(\w+)", text).groups()
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


def pgbench(connections, seconds, count):
    from django.db import connection

    settings = connection.settings_dict
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as script:
        script.write(f"\\set i random(1, {count})\nSELECT bench_floor(:i);\n")
    result = subprocess.run(
        [
            tool("pgbench"),
            "-n",
            "-f",
            script.name,
            f"-c{connections}",
            "-j2",
            f"-T{seconds}",
            "-h",
            settings["HOST"] or os.environ.get("PGHOST", "/var/run/postgresql"),
            *(["-p", str(settings["PORT"])] if settings["PORT"] else []),
            "-U",
            settings["USER"] or "postgres",
            settings["NAME"],
        ],
        capture_output=True,
        text=True,
    )
    Path(script.name).unlink()
    if result.returncode:  # for example, no connection left for it: the server holds them
        raise SystemExit(f"pgbench failed: {result.stderr.strip()[-800:]}")
    result = result.stdout
    tps = float(re.search(r"tps = ([\d.]+) \(without initial", result)[1])
    latency = float(re.search(r"latency average = ([\d.]+) ms", result)[1])
    return tps, latency


def measure(port, folder, connections, args, postmaster, count):
    """(floor, req/s, p50, p99, non-2xx, timeouts, server CPU s, PostgreSQL CPU s) of one round:
    the floor just before the server's run (the server idle). The machine's speed drifts by up to
    half within an hour, so a floor measured once would be another machine's."""
    floor, _ = pgbench(connections, args.floor_seconds, count)
    before = cpu_seconds(SESSIONS[port], postmaster)
    served = wrk(
        port, str(folder / "urls.txt"), connections, args.seconds, str(folder / "mix0.lua")
    )
    after = cpu_seconds(SESSIONS[port], postmaster)
    used = (after[k] - before[k] for k in ("server", "postgres"))
    return (floor, *served, *used)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument(
        "--floor-seconds", type=int, default=10, help="pgbench before each server's wrk run"
    )
    parser.add_argument("--urls", type=int, default=3000)
    parser.add_argument(
        "--threads", type=int, nargs="+", default=[2], help="threads per worker to compare with 1"
    )
    parser.add_argument(
        "--workers", type=int, nargs="+", default=sorted({2, COMPOSE_WORKERS}), help="workers"
    )
    parser.add_argument(
        "--tiles", type=float, default=0.7, help="the tiles' share of the URLs (1: tiles alone)"
    )
    parser.add_argument(
        "--rounds", type=int, default=1, help="floor and server alternated, per connection count"
    )
    parser.add_argument(
        "--only", nargs="+", default=[""], help="the servers whose label starts so (granian …)"
    )
    args = parser.parse_args()
    prepare_map(args.size)
    from opportunities.models import Opportunity

    rng = random.Random(11)
    urls = sample_urls(rng, args.urls, args.tiles)
    load_floor(urls)
    folder = wrk_files(urls, "bench-mixed-")
    load = os.getloadavg()
    tiles_share = sum(u.startswith("/tiles/") for u in urls) / len(urls)
    print(
        f"{Opportunity.objects.count():,} opportunities; {len(urls):,} URLs "
        f"({tiles_share:.0%} tiles z6–14, the rest radius 10/25/50 km); "
        f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )
    print(
        f"{'':<46} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>8} {'timeouts':>8} "
        f"{'floor':>8} {'of floor':>8} {'app ms':>7} {'db ms':>7}"
    )
    servers = [(f"granian, {w} workers (compose)", partial(web, workers=w)) for w in args.workers]
    servers += [
        (f"granian, 2 workers ×{t} threads", partial(web, workers=2, threads=t))
        for t in args.threads
    ]
    servers += [
        ("gunicorn, 2 sync workers", partial(gunicorn, workers=2)),
        ("gunicorn, 2 threaded workers ×4", partial(gunicorn, workers=2, threads=4)),
        ("uvicorn, 2 workers (ASGI)", partial(uvicorn, workers=2)),
    ]
    servers = [(label, server) for label, server in servers if label.startswith(tuple(args.only))]
    postmaster = postmaster_pid()
    for label, server in servers:
        with server(quiet=True) as port:
            wrk(port, str(folder / "urls.txt"), 8, min(10, args.seconds), str(folder / "mix0.lua"))
            for connections in (8, 32):
                runs = [
                    measure(port, folder, connections, args, postmaster, len(urls))
                    for _ in range(args.rounds)
                ]
                floor, rate, p50 = (sum(r[k] for r in runs) / len(runs) for k in (0, 1, 2))
                p99 = max(r[3] for r in runs)
                errors, timeouts, app, db = (sum(r[k] for r in runs) for k in (4, 5, 6, 7))
                requests = rate * len(runs) * args.seconds
                print(
                    f"{label + ', ' + str(connections) + ' connections':<46} {rate:8.0f} "
                    f"{p50:8.2f} {p99:8.2f} {errors:8d} {timeouts:8d} {floor:8.0f} "
                    f"{rate / floor:8.0%} {app * 1000 / requests:7.2f} {db * 1000 / requests:7.2f}"
                )
    load = os.getloadavg()
    print(f"load average at the end {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


if __name__ == "__main__":
    main()
