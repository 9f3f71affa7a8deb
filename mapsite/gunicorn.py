"""gunicorn's settings: the same for docker-compose.yml, the tests' servers and the benchmarks.
`gunicorn -c mapsite/gunicorn.py mapsite.wsgi`; WEB_WORKERS, WEB_THREADS and WEB_BIND change them.

Threads (gthread), not gunicorn's default sync workers: a sync worker is killed when one request
takes longer than `timeout`, so a full export at a million rows was cut mid-stream (HTTP 200 and a
shorter file). A gthread worker's heartbeat runs beside its requests, so `timeout` only catches a
worker that has hung, and a crawler's slow requests hold a thread, not a whole worker.
bench/lists.py checks that full exports at a million rows arrive whole under these settings.
"""

import os

bind = os.environ.get("WEB_BIND", "0.0.0.0:8000")
# Each thread keeps its own database connection: 6 workers × 4 threads stay well inside
# PostgreSQL's default max_connections (100) beside the scheduler, on any host.
workers = int(os.environ.get("WEB_WORKERS", min(2 * (os.cpu_count() or 1) + 1, 6)))
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", 4))
timeout = 30
graceful_timeout = 30
keepalive = 5  # behind nginx, connections are reused
max_requests = 5000  # a worker is replaced now and then, jittered so that not all at once
max_requests_jitter = 500
accesslog = "-" if os.environ.get("WEB_ACCESS_LOG", "1") == "1" else None
