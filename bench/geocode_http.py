"""Latency of one HTTP geocode, end to end: a web server worker on this machine, one request at a
time, addresses from the accuracy benchmark's forms.

    ./dev python bench/geocode_http.py [--requests 2000]

Prints p50 / p90 / p99 / max in milliseconds, for /api/v1/geocode/ and /api/v1/reverse/.
"""

import argparse
import random
import statistics
from urllib.parse import urlencode

import _setup
from _server import http_ms, web
from geocode_accuracy import GAZETTEER_CSV, forms, load_rows


def report(name, times):
    pick = lambda q: _setup.percentile(times, q)  # noqa: E731
    print(
        f"{name:<10} n={len(times):<6} p50 {statistics.median(times):6.2f} ms   "
        f"p90 {pick(0.90):6.2f} ms   p99 {pick(0.99):6.2f} ms   max {max(times):7.2f} ms"
    )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()
    _setup.require(GAZETTEER_CSV)
    rng = random.Random(11)
    addresses = [text for row in load_rows(6, rng) for _, text in forms(row, rng)]
    rng.shuffle(addresses)
    addresses = (addresses * (args.requests // len(addresses) + 1))[: args.requests]
    points = [(rng.uniform(6, 20), rng.uniform(98, 105)) for _ in range(args.requests // 2)]
    with web() as port:
        for address in addresses[:50]:  # warm up: the worker loads the gazetteer once
            http_ms(port, "/api/v1/geocode/?" + urlencode({"q": address}))
        report(
            "geocode", [http_ms(port, "/api/v1/geocode/?" + urlencode({"q": a})) for a in addresses]
        )
        report(
            "reverse",
            [
                http_ms(port, "/api/v1/reverse/?" + urlencode({"lat": la, "lon": lo}))
                for la, lo in points
            ],
        )


if __name__ == "__main__":
    main()
