"""The edge cache under the map's mixed load: bench/mixed_load.py's requests (70 % tiles at zoom
6–14 in the viewports of people around Thai places, 30 % radius searches) through wrk, to the web server
alone (2 workers, production settings) and to Debian's nginx with deploy/nginx.conf in front
of the same server, in one run, at a million opportunities.

    ./dev python bench/edge_cache.py [--size 1000000] [--seconds 20] [--urls 3000] [--connections 32]

Prints requests/s, p50 / p99 latency (ms) and errors of each, and through nginx the hit rate of
the tiles and of the radius answers (from nginx's own log of $upstream_cache_status); beside them
the SQL floor: the SQL that 3,000 of the URLs cost the database uncached (tiles built), through
pgbench at the same connections, as bench/mixed_load.py measures it. The URLs are
many (200,000 by default, drawn at random by wrk): tiles repeat as they do when people look
around the same towns at the same zooms; radius searches are what the map sends: around a typed
place (its tambon's point) or around "near me" rounded to about a kilometre. A fresh cache (the first pass) is shown
apart from a warm one (a second pass). Needs wrk and nginx (./dev installs nginx-light;
apt-get install wrk).
"""

import argparse
import collections
import os
import random
from pathlib import Path

from _server import web
from mixed_load import load_floor, pgbench, prepare_map, sample_urls, wrk, wrk_files


def as_the_map_asks(urls, rng):
    """The radius searches as the map sends them (static/js/map.js): around a typed place, which
    the geocoder answers with its tambon's point, or around "near me", rounded to two decimals
    (about a kilometre). bench/mixed_load.py draws any point, five decimals."""
    from synthetic import near, tambon_points

    places = tambon_points()
    asked = []
    for url in urls:
        if url.startswith("/api/v1/opportunities/?near="):
            km = url.rsplit("=", 1)[1]
            _, lon, lat = rng.choice(places)
            if rng.random() < 0.5:
                point = f"{lat:.5f},{lon:.5f}"
            else:
                x, y = near(rng, lon, lat, km=5)
                point = f"{y:.2f},{x:.2f}"
            url = f"/api/v1/opportunities/?near={point}&radius_km={km}"
        asked.append(url)
    return asked


def hit_rates(log: Path):
    counts = collections.defaultdict(collections.Counter)
    for line in log.read_text().splitlines():
        status, _, uri = line.partition(" ")
        counts["tiles" if uri.startswith("/tiles/") else "radius"][status] += 1
    log.write_text("")
    return {kind: c["HIT"] / max(1, sum(c.values())) for kind, c in counts.items()}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--urls", type=int, default=200_000)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()
    prepare_map(args.size)
    from opportunities.models import Opportunity
    from tests.servers import Nginx

    urls = as_the_map_asks(sample_urls(random.Random(11), args.urls), random.Random(12))
    tile_urls = [u for u in urls if u.startswith("/tiles/")]
    folder = wrk_files(urls, "bench-edge-", passes=3)
    load = os.getloadavg()
    print(
        f"{Opportunity.objects.count():,} opportunities; {len(urls):,} URLs, "
        f"{len(tile_urls) / len(urls):.0%} tiles ({len(set(tile_urls)):,} distinct), the rest "
        f"radius searches ({len(set(urls)) - len(set(tile_urls)):,} distinct); wrk at "
        f"{args.connections} connections for {args.seconds} s; "
        f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )
    floor_urls = random.Random(13).sample(urls, min(3000, len(urls)))
    load_floor(floor_urls)
    print(f"{'':<36} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}  hit rate")
    tps, latency = pgbench(args.connections, args.seconds, len(floor_urls))
    print(
        f"{'SQL floor (pgbench), ' + str(len(floor_urls)) + ' URLs':<36} {tps:8.0f} {latency:8.2f}"
    )

    def run(label, port, log=None, n=0):
        rate, p50, p99, errors, timeouts = wrk(
            port,
            str(folder / "urls.txt"),
            args.connections,
            args.seconds,
            str(folder / f"mix{n}.lua"),
        )
        rates = hit_rates(log) if log else {}
        shown = ", ".join(f"{kind} {share:.1%}" for kind, share in sorted(rates.items()))
        print(
            f"{label:<36} {rate:8.0f} {p50:8.2f} {p99:8.2f} {errors + timeouts:7d}  "
            f"{rate / tps:4.0%} of the floor  {shown}"
        )

    with web(workers=2, quiet=True) as port:
        run("the web server alone", port)
        log = folder / "access.log"
        edge = Nginx(folder, port, access_log=log)
        try:
            run("nginx in front, cache empty", edge.port, log, n=1)
            run("nginx in front, cache warm", edge.port, log, n=2)
        finally:
            edge.stop()
    load = os.getloadavg()
    print(f"load average at the end {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


if __name__ == "__main__":
    main()
