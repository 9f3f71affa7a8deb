"""The site's web server on a free local port, for HTTP benchmarks, and other servers to compare."""

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import time

from _setup import ROOT

# The process of each server running, by port: its workers are in its session
# (start_new_session), whose id is its pid.
SESSIONS = {}


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
def web(app="mapsite.wsgi:application", quiet=False, workers=1, threads=1, **env):
    """The site as compose serves it (mapsite/web.py: granian, production settings, DEBUG off),
    `workers` workers of `threads` threads each, on 127.0.0.1; yields the port. `app`: another
    WSGI application of bench/ under the same server. `quiet`: the server's log (every 4xx it
    answered) is not shown."""
    port = free_port()
    command = [sys.executable, "-c", f"from mapsite.web import server; server({app!r}).serve()"]
    env = {
        "WEB_BIND": f"127.0.0.1:{port}",
        "WEB_WORKERS": str(workers),
        "WEB_THREADS": str(threads),
        "WEB_ACCESS_LOG": "0",
        "PYTHONPATH": str(ROOT / "bench"),
        **env,
    }
    with _serving(command, port, quiet, env):
        yield port


@contextlib.contextmanager
def gunicorn(workers=1, threads=0, quiet=False, **env):
    """The WSGI application under gunicorn, to compare a worker model (bench/mixed_load.py): sync
    workers, or threaded (gthread) ones with `threads` threads; production settings as web()."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        *(["--worker-class", "gthread", "--threads", str(threads)] if threads else []),
        "mapsite.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--timeout",
        "120",
        "--log-level",
        "warning",
    ]
    with _serving(command, port, quiet, env):
        yield port


@contextlib.contextmanager
def uvicorn(workers=1, quiet=False, **env):
    """The site's ASGI application (mapsite/asgi.py) under uvicorn, to compare a worker model
    (bench/mixed_load.py); production settings as web() has them."""
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
        start_new_session=True,
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
        SESSIONS[port] = server.pid
        yield
    finally:
        SESSIONS.pop(port, None)
        server.terminate()
        try:
            server.wait(timeout=5)
        except subprocess.TimeoutExpired:  # a worker still starting holds granian's stop for 30 s
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def http_ms(port, path, timeout=30, size=None, headers=None):
    """Milliseconds for one GET, on a new connection; the body's length goes into `size` (a
    list) when given; `headers` (a dict) are sent along."""
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
