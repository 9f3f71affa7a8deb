"""gunicorn's settings: the same for docker-compose.yml, the tests' servers and the benchmarks.
`gunicorn -c mapsite/gunicorn.py mapsite.wsgi`; WEB_WORKERS, WEB_WORKER_CLASS, WEB_THREADS,
WEB_TIMEOUT, WEB_MAX_REQUESTS and WEB_BIND change them.

Sync workers, one request at a time each, as many as the CPUs allow: the map's requests are short
and spend their time in Python, so threads only contend for the interpreter. Measured with
bench/mixed_load.py at a million opportunities (2 workers, 2 cores shared with wrk and PostgreSQL,
70 % tiles, 30 % radius pages), two runs: sync workers kept their throughput from 8 to 32
connections (409 → 420 and 316 → 316 requests/s), threaded workers with 4 threads lost it
(345 → 181 and 357 → 211). A threaded worker with one thread, which keeps connections open,
spent more of a core per cached tile than a sync worker (1.6–2.3 ms against 1.4–1.7, tiles alone,
3 alternating runs), and the ASGI application under 2 uvicorn workers served a fifth of the mix
(73–85 requests/s against 379–434, with errors at 32 connections). Put a buffering proxy (nginx)
in front of them for slow clients, as gunicorn's documentation says.

A sync worker is killed when one request outlasts `timeout`: a full export at a million rows takes
about 40 s here (bench/lists.py), so the timeout leaves it three times that. No list or search
takes more than a few hundred milliseconds (cursor pages), so the timeout only ever meets an
export or a worker that has hung.
"""

import gc
import os

bind = os.environ.get("WEB_BIND", "0.0.0.0:8000")
# Each worker keeps one database connection; at most 9 stay well inside PostgreSQL's default
# max_connections (100) beside the scheduler, on any host.
workers = int(os.environ.get("WEB_WORKERS", min(2 * (os.cpu_count() or 1) + 1, 9)))
worker_class = os.environ.get("WEB_WORKER_CLASS", "sync")
threads = int(os.environ.get("WEB_THREADS", 1))
timeout = int(os.environ.get("WEB_TIMEOUT", 120))
graceful_timeout = 30
keepalive = 5
# A worker is replaced now and then (against slow leaks), jittered so that not all at once. Each
# replacement imports the site again (about a second of a core) while its requests wait: at 5,000
# a busy worker was replaced every few seconds, and those waits were the p99: tiles alone at a
# million opportunities (2 workers, 8 and 32 connections) 566–885 ms at 5,000, 7–27 ms at 100,000.
max_requests = int(os.environ.get("WEB_MAX_REQUESTS", 100_000))
max_requests_jitter = max_requests // 10
accesslog = "-" if os.environ.get("WEB_ACCESS_LOG", "1") == "1" else None


def post_worker_init(worker):
    """The site as loaded (modules, settings, URL patterns: about 260,000 objects) moved out of
    the garbage collector's sight. A full collection walked them all while a request waited:
    143 ms at the longest, 4 ms once frozen (in-process, the mixed load of bench/mixed_load.py
    at a million opportunities)."""
    gc.freeze()
