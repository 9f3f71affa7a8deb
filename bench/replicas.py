"""Where the public's reads go with a read replica: bench/mixed_load.py's requests (70 % tiles,
30 % radius searches, at a million opportunities) through wrk against the web server (2 workers,
production settings), first with the primary alone, then with one streaming replica of the
project-local cluster (pg_basebackup -R, another port) in DATABASE_REPLICA_URLS. Meanwhile a writer
changes an opportunity's title every 50 ms on the primary, as coordinators would.

    ./dev python bench/replicas.py [--size 1000000] [--seconds 20] [--urls 3000]

Prints per run: requests/s and p99 of the public load; transactions/s on the primary and on the
replica (pg_stat_database of the bench database: each statement of the site is a transaction of
its own) while the load ran; and the writer's p50 / p99 (ms). Tiles already in the site's Redis
cache cost one read of the data's version, so the first pass builds them and is not counted.
Only the project-local cluster (./dev) can be copied so.
"""

import argparse
import os
import random
import statistics
import threading
import time

import _setup
from _server import web
from mixed_load import prepare_map, sample_urls, wrk, wrk_files


def transactions(connect):
    with connect() as conn:
        conn.execute("SELECT pg_stat_clear_snapshot()")
        return conn.execute(
            "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = current_database()"
        ).fetchone()[0]


class Writer(threading.Thread):
    """Changes one opportunity's title every 50 ms on the primary, timing each change."""

    def __init__(self, connect, ids):
        super().__init__(daemon=True)
        self.connect, self.ids, self.times, self.running = connect, ids, [], True

    def run(self):
        rng = random.Random(5)
        with self.connect() as conn:
            while self.running:
                started = time.perf_counter()
                conn.execute(
                    "UPDATE opportunities_opportunity SET title = title WHERE id = %s",
                    [rng.choice(self.ids)],
                )
                self.times.append((time.perf_counter() - started) * 1000)
                time.sleep(0.05)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--urls", type=int, default=3000)
    args = parser.parse_args()
    prepare_map(args.size)
    from django.db import connection

    from opportunities.models import Opportunity
    from tests.servers import StreamingReplica

    database = connection.settings_dict
    host = database["HOST"] or os.environ.get("PGHOST", "")
    if not host.startswith("/"):
        raise SystemExit(
            "a replica is made of the project-local cluster (./dev): unset DATABASE_URL"
        )
    ids = list(Opportunity.objects.values_list("pk", flat=True)[:10000])
    urls = sample_urls(random.Random(11), args.urls)
    folder = wrk_files(urls, "bench-replicas-")
    started = time.perf_counter()
    replica = StreamingReplica(database, host, database["PORT"] or os.environ.get("PGPORT", "5432"))
    print(f"streaming replica made in {time.perf_counter() - started:.0f} s")
    load = os.getloadavg()
    print(
        f"{Opportunity.objects.count():,} opportunities; wrk at 32 connections for "
        f"{args.seconds} s; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )
    print(
        f"{'':<28} {'req/s':>7} {'p99 ms':>7} {'primary tx/s':>13} {'replica tx/s':>13} "
        f"{'write p50':>10} {'write p99':>10}"
    )
    try:
        for label, env in [
            ("primary alone", {}),
            ("one replica", {"DATABASE_REPLICA_URLS": replica.url}),
        ]:
            with web(workers=2, quiet=True, **env) as port:
                wrk(port, str(folder / "urls.txt"), 8, 10, str(folder / "mix0.lua"))  # warm
                writer = Writer(replica.primary, ids)
                before = transactions(replica.primary), transactions(replica.connect)
                writer.start()
                rate, _, p99, _, _ = wrk(
                    port, str(folder / "urls.txt"), 32, args.seconds, str(folder / "mix0.lua")
                )
                writer.running = False
                writer.join()
                after = transactions(replica.primary), transactions(replica.connect)
                # The writer's own statements are the primary's too: counted apart.
                primary = (after[0] - before[0] - len(writer.times)) / args.seconds
                read = (after[1] - before[1]) / args.seconds
                times = sorted(writer.times)
                print(
                    f"{label:<28} {rate:7.0f} {p99:7.1f} {primary:13.0f} {read:13.0f} "
                    f"{statistics.median(times):10.2f} {_setup.percentile(times, 0.99):10.2f}"
                )
    finally:
        replica.stop()
    load = os.getloadavg()
    print(f"load average at the end {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


if __name__ == "__main__":
    main()
