"""A gunicorn worker of the project on a free local port, for HTTP benchmarks."""

import contextlib
import http.client
import os
import socket
import subprocess
import sys
import time

from _setup import ROOT


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


SECRET_KEY = "bench-" + "x" * 50  # the servers', and a bench's own when it signs what they read


def _environment(env):
    return {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "LOG_LEVEL": "WARNING",
        "GEOCODING_RATE": "1000000/min",
        **env,
    }


@contextlib.contextmanager
def gunicorn(app="mapsite.wsgi", timeout=120, quiet=False, workers=1, threads=0, **env):
    """Production settings (DEBUG off) and compose's gunicorn settings (mapsite/gunicorn.py:
    sync workers), `workers` workers, on 127.0.0.1; yields the port. `threads`: threaded
    (gthread) workers with that many threads instead, to compare. `quiet`: the server's log
    (every 4xx it answered) is not shown."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "-c",
        str(ROOT / "mapsite" / "gunicorn.py"),
        *(["--worker-class", "gthread", "--threads", str(threads)] if threads else []),
        app,
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--timeout",
        str(timeout),
        "--access-logfile",
        "/dev/null",
        "--log-level",
        "warning",
        "--pythonpath",
        str(ROOT / "bench"),
    ]
    with _serving(command, port, quiet, env):
        yield port


@contextlib.contextmanager
def uvicorn(workers=1, quiet=False, **env):
    """The site's ASGI application (mapsite/asgi.py) under uvicorn, to compare a worker model
    (bench/mixed_load.py); production settings as gunicorn() has them."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "mapsite.asgi:application",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    with _serving(command, port, quiet, env):
        yield port


@contextlib.contextmanager
def _serving(command, port, quiet, env):
    server = subprocess.Popen(
        command,
        cwd=ROOT,
        env=_environment(env),
        stdout=subprocess.DEVNULL if quiet else None,
        stderr=subprocess.DEVNULL if quiet else None,
    )
    try:
        for _ in range(150):
            try:
                if http_ms(port, "/healthz") is not None:
                    break
            except (OSError, RuntimeError):
                time.sleep(0.1)
        else:
            sys.exit("the server did not start")
        yield
    finally:
        server.terminate()
        server.wait()


def http_ms(port, path, timeout=30, size=None, headers=None):
    """Milliseconds for one GET, a new connection each time (as gunicorn's sync worker wants);
    the body's length goes into `size` (a list) when given; `headers` (a dict) are sent along."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    started = time.perf_counter()
    conn.request("GET", path, headers=headers or {})
    response = conn.getresponse()
    body = response.read()
    elapsed = (time.perf_counter() - started) * 1000
    conn.close()
    if response.status != 200:
        raise RuntimeError(f"{path}: HTTP {response.status} {body[:200]!r}")
    if size is not None:
        size.append(len(body))
    return elapsed
