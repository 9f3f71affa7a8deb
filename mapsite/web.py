"""The web server: granian (HTTP in Rust) running the WSGI application, the same for
docker-compose.yml, the tests' servers and the benchmarks. `python -m mapsite.web`; WEB_BIND
(host:port), WEB_WORKERS, WEB_THREADS, WEB_MAX_MEMORY_MB and WEB_ACCESS_LOG change it.

Why granian: the map's requests are short (a cached tile is under a millisecond of Python), so a
server's own HTTP work in Python is a large part of each. bench/mixed_load.py at a million
opportunities (70 % tiles, 30 % radius pages; wrk at 8 and 32 connections; 2 workers of each on 2
cores shared with wrk and PostgreSQL), two runs: granian 580–723 requests/s, gunicorn's sync
workers 458–554 (they parse, write and close every request in Python, one connection each),
gunicorn's threaded workers (4 threads) 242–501, uvicorn running the ASGI application 91–110 with
errors (connections left open: mapsite/asgi.py; 96–109 without errors since). nginx in front
(deploy/nginx.conf) keeps its connections to the server open.

One worker per CPU, each running the application in WEB_THREADS threads (1: one request in
Python at a time, as the interpreter allows; the sockets are served by Rust threads). More did
not help on 2 cores: 3 workers 552–563 requests/s against 628–723 for 2, 2 threads per worker
560–621 against 580–723, in the same runs.
A request has no time limit of its own: a full export at a million rows streams for 40–55 s
(bench/lists.py). What could hang one has: PostgreSQL stops a statement after 120 s
(DATABASE_STATEMENT_TIMEOUT, set here for the workers alone), the geocoders' HTTP clients after
GEOCODING_TIMEOUT. A worker that dies is started again. The access log has no query
strings: the places people search near stay out of it.
"""

import os

from granian import Granian
from granian.constants import HTTPModes, Interfaces
from granian.log import LogLevels

# Each thread keeps one database connection; at most 9 workers stay well inside PostgreSQL's
# default max_connections (100) beside the scheduler, on any host.
WORKERS = int(os.environ.get("WEB_WORKERS", min(os.cpu_count() or 1, 9)))
THREADS = int(os.environ.get("WEB_THREADS", 1))


def server(application="mapsite.wsgi:application") -> Granian:
    os.environ.setdefault("DATABASE_STATEMENT_TIMEOUT", "120")  # seconds; the workers inherit it
    host, _, port = os.environ.get("WEB_BIND", "0.0.0.0:8000").rpartition(":")
    return Granian(
        application,
        address=host,
        port=int(port),
        interface=Interfaces.WSGI,
        http=HTTPModes.http1,  # behind nginx, which speaks HTTP/1.1 to its upstreams
        websockets=False,
        workers=WORKERS,
        blocking_threads=THREADS,
        respawn_failed_workers=True,
        # A worker past this much memory (sampled every 30 s) is replaced, against slow leaks: a
        # full export at a million rows leaves one at about 200 MB.
        workers_max_rss=int(os.environ.get("WEB_MAX_MEMORY_MB", 1024)),
        # A worker stopping finishes its requests for up to 30 s (one still starting when told to
        # stop holds the stop that long).
        workers_kill_timeout=30,
        log_level=LogLevels.warning,
        log_access=os.environ.get("WEB_ACCESS_LOG", "1") == "1",
    )


if __name__ == "__main__":
    server().serve()
