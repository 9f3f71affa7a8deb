"""Map tiles at 100k and 1M opportunities, HTTP end to end, tiles sampled from real viewports
(1280 × 800 px around populated places) at zoom 5–16: p50 / p99 cold (first request of a tile,
a server cache miss) and warm (the same tile again), bytes per tile, beside (a) the SQL floor of
the same tile (opportunities.tiles.build_tile in-process: the database's work, no HTTP, no
cache) and (b) the naive endpoint (drf-gis TMSTileFilter + GeoFeatureModelSerializer,
bench/naive_tiles.py).
Also the time to rebuild the cluster pyramid whole, and what refresh_map does instead each
minute: nothing when nothing changed, the cells of what changed when something did.

    ./dev python bench/tiles.py [--sizes 100000 1000000] [--viewports 4] [--naive-per-zoom 1]
"""

import argparse
import math
import random
import time

import _setup
from _server import http_ms, web

ZOOMS = range(5, 17)
NAIVE_TIMEOUT = 60


def viewport_tiles(lon, lat, z, width=1280, height=800):
    n = 2**z
    cx = (lon + 180) / 360 * n * 256
    cy = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n * 256
    xs = range(int((cx - width / 2) // 256), int((cx + width / 2) // 256) + 1)
    ys = range(int((cy - height / 2) // 256), int((cy + height / 2) // 256) + 1)
    return [(z, x, y) for x in xs for y in ys if 0 <= x < n and 0 <= y < n]


def stats(values):
    return _setup.percentile(values, 0.5), _setup.percentile(values, 0.99)


def naive_ms(sampled):
    """The naive endpoint's time for each tile, from a server of its own that is stopped before
    anything else is timed: a request that timed out would otherwise go on using the CPU
    (PostgreSQL stops its query at the same timeout)."""
    if not sampled:
        return []
    times = []
    with web(
        app="naive_tiles:application",
        DATABASE_STATEMENT_TIMEOUT=str(NAIVE_TIMEOUT),
    ) as naive_port:
        for t in sampled:
            try:
                path = f"/naive/?tile={t[0]}/{t[1]}/{t[2]}"
                times.append(http_ms(naive_port, path, timeout=NAIVE_TIMEOUT))
            except (TimeoutError, OSError, RuntimeError):
                times.append(float("inf"))
    return times


def refresh_figures(rng):
    """refresh_map's work for no change, one opportunity moved 2 km and 100 moved at once,
    each timed (ms) beside the whole rebuild printed before it."""
    from django.contrib.gis.geos import Point
    from django.db.models import Max

    from opportunities import tiles
    from opportunities.models import Opportunity

    top = Opportunity.objects.aggregate(top=Max("pk"))["top"]

    def some(k):
        ids = [rng.randrange(1, top) for _ in range(k * 3)]
        return list(Opportunity.objects.published().exclude(location=None).filter(pk__in=ids)[:k])

    tiles.refresh("opportunities")  # whatever was logged before
    for label, count in (
        ("a minute with no change", 0),
        ("one opportunity moved", 1),
        ("100 opportunities moved", 100),
    ):
        for o in some(count):
            moved = Point(o.location.x + 0.02, o.location.y, srid=4326)
            Opportunity.objects.filter(pk=o.pk).update(location=moved)
        started = time.perf_counter()
        said = tiles.refresh("opportunities")
        print(
            f"refresh_map, {label:<24} {(time.perf_counter() - started) * 1000:8.1f} ms  ({said})"
        )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--viewports", type=int, default=4, help="viewports per zoom")
    parser.add_argument("--naive-per-zoom", type=int, default=1)
    args = parser.parse_args()
    _setup.bench_database()
    from django.core.cache import cache
    from synthetic import grow_opportunities, near, tambon_points

    from opportunities import tiles
    from opportunities.models import Opportunity

    rng = random.Random(9)
    places = tambon_points()
    sample, centres = {}, {}
    for z in ZOOMS:
        seen, centres[z] = [], []
        for _, lon, lat in rng.choices(places, k=args.viewports):
            x, y = near(rng, lon, lat, km=5)
            seen += [t for t in viewport_tiles(x, y, z) if t not in seen]
            centres[z].append(viewport_tiles(x, y, z, width=1, height=1)[0])  # the busiest tile
        sample[z] = seen
    for size in args.sizes:
        grow_opportunities(size)
        print(f"\n== {Opportunity.objects.count():,} opportunities ==")
        started = time.perf_counter()
        tiles.rebuild_pyramid("opportunities")
        print(f"cluster pyramid rebuilt in {time.perf_counter() - started:.1f} s")
        refresh_figures(rng)
        cache.clear()
        print(
            f"{'zoom':>4} {'tiles':>5} | {'SQL floor p50/p99':>17} | {'cold p50/p99':>15} | "
            f"{'warm p50/p99':>13} | {'KB p50/max':>11} | {'naive p50/max (n)':>22} | cold p99 vs floor, naive"
        )
        with web() as port:
            for z, sampled in sample.items():
                floor = []
                for t in sampled:
                    started = time.perf_counter()
                    tiles.build_tile("opportunities", *t, {})
                    floor.append((time.perf_counter() - started) * 1000)
                paths = [f"/tiles/opportunities/{t[0]}/{t[1]}/{t[2]}.geojson" for t in sampled]
                sizes = []
                cold = [http_ms(port, p, size=sizes) for p in paths]
                warm = [http_ms(port, p) for p in paths]
                naive = naive_ms(centres[z][: args.naive_per_zoom])
                f50, f99 = stats(floor)
                c50, c99 = stats(cold)
                w50, w99 = stats(warm)
                naive_text, naive_ratio = "-", "-"  # --naive-per-zoom 0: not asked
                if naive:
                    n50 = _setup.percentile(naive, 0.5)
                    shown = [
                        f"> {NAIVE_TIMEOUT} s" if math.isinf(v) else f"{v:.1f}"
                        for v in (n50, max(naive))
                    ]
                    naive_text = f"{shown[0]}/{shown[1]} ({len(naive)})"
                    naive_ratio = f"{n50 / max(c50, 0.001):.0f}x"
                print(
                    f"{z:>4} {len(sampled):>5} | {f50:7.2f}/{f99:7.2f} ms | {c50:6.2f}/{c99:6.2f} ms | "
                    f"{w50:5.2f}/{w99:5.2f} ms | {_setup.percentile(sizes, 0.5) / 1024:5.1f}/{max(sizes) / 1024:5.1f} | "
                    f"{naive_text:>22} | {c99 / max(f99, 0.001):4.1f}x, {naive_ratio:>7}"
                )


if __name__ == "__main__":
    main()
