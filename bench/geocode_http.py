"""Latency of one HTTP geocode, end to end: a gunicorn worker on this machine, one request at a
time, addresses from the accuracy benchmark's forms.

    ./dev python bench/geocode_http.py [--requests 2000]

Prints p50 / p90 / p99 / max in milliseconds, for /api/v1/geocode/ and /api/v1/reverse/.
"""

import argparse
import http.client
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import _setup
from geocode_accuracy import forms, load_rows

ROOT = Path(__file__).resolve().parent.parent


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port):
    env = {**os.environ, "GEOCODING_RATE": "1000000/min", "DEBUG": "1", "LOG_LEVEL": "WARNING"}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "mapsite.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    for _ in range(100):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    sys.exit("the server did not start")


def timed_get(port, path):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    started = time.perf_counter()
    conn.request("GET", path)
    response = conn.getresponse()
    response.read()
    elapsed = (time.perf_counter() - started) * 1000
    conn.close()
    if response.status != 200:
        raise RuntimeError(f"{path}: HTTP {response.status}")
    return elapsed


def report(name, times):
    times = sorted(times)
    pick = lambda q: times[min(len(times) - 1, int(q * len(times)))]  # noqa: E731
    print(
        f"{name:<22} n={len(times):<6} p50 {statistics.median(times):6.2f} ms   "
        f"p90 {pick(0.90):6.2f} ms   p99 {pick(0.99):6.2f} ms   max {times[-1]:7.2f} ms"
    )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()
    _setup.require(_setup.GAZETTEER_CSV)
    rng = random.Random(11)
    addresses = [text for row in load_rows(6, rng) for _, text in forms(row, rng)]
    rng.shuffle(addresses)
    addresses = (addresses * (args.requests // len(addresses) + 1))[: args.requests]
    port = free_port()
    server = start_server(port)
    try:
        for address in addresses[:50]:  # warm the worker: gazetteer loaded, connections open
            timed_get(port, "/api/v1/geocode/?" + urlencode({"q": address}))
        report(
            "geocode",
            [timed_get(port, "/api/v1/geocode/?" + urlencode({"q": a})) for a in addresses],
        )
        points = [(rng.uniform(6, 20), rng.uniform(98, 105)) for _ in range(args.requests // 2)]
        report(
            "reverse",
            [
                timed_get(port, "/api/v1/reverse/?" + urlencode({"lat": la, "lon": lo}))
                for la, lo in points
            ],
        )
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
