"""Real servers for tests (and benchmarks): the web server as docker-compose.yml runs it, a
canary HTTP server that records every request made to it (to prove that nothing was fetched),
Debian's nginx with deploy/nginx.conf, and a streaming replica of the project-local PostgreSQL
cluster."""

import copy
import getpass
import gzip
import http.server
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, environ, workers=2):
        self.port = free_port()
        self.cookies = CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))
        # A pipe that nobody reads could fill up and stall the server: its log goes to a file.
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 (closed by stop)
        self.process = subprocess.Popen(  # the compose command's server and settings
            [sys.executable, "-m", "mapsite.web"],
            cwd=ROOT,
            env={
                **environ,
                "WEB_BIND": f"127.0.0.1:{self.port}",
                "WEB_WORKERS": str(workers),
                "WEB_ACCESS_LOG": "0",
            },
            stdout=subprocess.DEVNULL,
            stderr=self.log,
            start_new_session=True,  # its workers with it: stop() may have to kill them all
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                if self.process.poll() is not None:
                    raise AssertionError(self.errors()) from None
                time.sleep(0.1)
        raise AssertionError("the web server did not start")

    def get(self, path, language="th", data=None, headers=None):
        """(status, headers (any case), body); `data` (bytes) makes it a POST; cookies are kept."""
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}",
            data=data,
            headers={
                "Host": "volunteer.example.org",
                "X-Forwarded-Proto": "https",  # as behind the TLS proxy compose expects
                "Accept-Language": language,
                **(headers or {}),
            },
        )
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.headers, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read().decode()

    def cookie(self, name):
        return next((c.value for c in self.cookies if c.name == name and not c.is_expired()), None)

    def visitor(self):
        """Another person on the same server: the same `get`, cookies of their own."""
        other = copy.copy(self)
        other.cookies = CookieJar()
        other.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(other.cookies)
        )
        return other

    def post_form(self, page, action=None, fields=None):
        """Fill nothing but `fields` into the page's form that posts to `action` (or its first
        form posting to the page itself), its CSRF token and hidden fields kept, and send it."""
        body = self.get(page)[2]
        target = rf'action="{re.escape(action)}"' if action else r'method="post"(?![^>]*action=)'
        form = re.search(rf"<form[^>]*{target}[^>]*>(.*?)</form>", body, re.S)
        assert form, f"{page}: no form posting to {action or 'itself'}"
        data = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form[1]))
        data.update(fields or {})
        return self.get(
            action or page,
            data=urllib.parse.urlencode(data).encode(),
            headers={"Referer": f"https://volunteer.example.org{page}"},
        )

    def errors(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def stop(self):
        """A worker still starting when it is told to stop holds granian's stop for 30 s (its
        workers_kill_timeout): after 5 s, the server and its workers are killed."""
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        self.log.close()


class Canary:
    """An HTTP server on 127.0.0.1 that answers every request with a small GeoJSON polygon and
    remembers it: any request it sees is one that the code under test should not have made."""

    BODY = (
        b'{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},'
        b'"geometry":{"type":"Polygon","coordinates":[[[100,13],[101,13],[101,14],[100,13]]]}}]}'
    )

    def __init__(self):
        self.requests = []
        canary = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self):
                canary.requests.append(f"{self.command} {self.path}")
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(Canary.BODY)

            do_GET = do_HEAD = do_POST = _answer

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


class Nginx:
    """Debian's nginx running deploy/nginx.conf, only its upstream, port and folders changed, in
    a main configuration of its own (as the nginx image's is). `access_log`: a file where each
    request's cache status and path are written."""

    def __init__(self, folder: Path, upstream: int, access_log: Path | None = None):
        self.folder, self.port = folder, free_port()
        shipped = (ROOT / "deploy" / "nginx.conf").read_text()
        for old, new in [
            ("server web:8000;", f"server 127.0.0.1:{upstream};"),
            ("listen 80;", f"listen 127.0.0.1:{self.port};"),
            ("/var/cache/nginx/volmap", str(folder / "cache")),
        ]:
            assert old in shipped, f"deploy/nginx.conf no longer has {old!r}"
            shipped = shipped.replace(old, new)
        temporary = " ".join(
            f"{kind}_temp_path {folder / kind};"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        log = (
            f"log_format cache '$upstream_cache_status $request_uri'; access_log {access_log} cache;"
            if access_log
            else "access_log off;"
        )
        config = folder / "nginx.conf"
        config.write_text(
            f"user {getpass.getuser()};\ndaemon off;\nworker_processes 1;\n"
            f"pid {folder / 'nginx.pid'};\nerror_log {folder / 'error.log'};\n"
            f"events {{ worker_connections 1024; }}\n"
            f"http {{\n{log}\n{temporary}\n{shipped}\n}}\n"
        )
        subprocess.run([NGINX, "-t", "-q", "-c", str(config)], check=True, capture_output=True)
        self.process = subprocess.Popen([NGINX, "-c", str(config)], stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                break
            except OSError:
                assert time.monotonic() < deadline, (folder / "error.log").read_text()
                time.sleep(0.05)

    def get(self, path, **headers):
        """(X-Cache-Status, Cache-Control, body), gzip asked for and undone."""
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}",
            headers={"Host": "volunteer.example.org", "Accept-Encoding": "gzip", **headers},
        )
        try:
            response = urllib.request.urlopen(request, timeout=30)  # noqa: S310 (local)
        except urllib.error.HTTPError as error:
            raise AssertionError(f"{path}: {error.code} {error.headers}") from None
        with response:
            body = response.read()
            if response.headers.get("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            return (
                response.headers.get("X-Cache-Status"),
                response.headers.get("Cache-Control"),
                body,
            )

    def stop(self):
        self.process.terminate()
        self.process.wait(10)


def as_cluster_owner(command):
    """The project-local cluster belongs to `postgres` when ./dev runs as root."""
    return ["runuser", "-u", "postgres", "--", *command] if os.getuid() == 0 else command


class StreamingReplica:
    """A streaming replica of the PostgreSQL cluster on the unix socket `host`: pg_basebackup -R
    into a folder of its own, started on another port (socket only). `database` is the Django
    settings dict of the database to read on it (its user must be allowed replication, as the
    project-local cluster's `postgres` is)."""

    def __init__(self, database, host, port):
        self.database, self.primary_host, self.primary_port = database, host, str(port)
        with self.primary() as primary:
            version = primary.execute("SHOW server_version_num").fetchone()[0]
        self.bindir = Path(f"/usr/lib/postgresql/{int(version) // 10000}/bin")
        self.folder = Path(tempfile.mkdtemp(prefix="volmap-replica-"))  # reachable by postgres
        if os.getuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        self.data = self.folder / "data"
        self.port = free_port()
        backup = [str(self.bindir / "pg_basebackup"), "-h", host, "-p", self.primary_port]
        backup += ["-U", database["USER"], "-D", str(self.data), "-R", "-X", "stream", "-c", "fast"]
        subprocess.run(
            as_cluster_owner(backup),
            check=True,
            capture_output=True,
            timeout=1800,
        )
        settings = f"\nport = {self.port}\nunix_socket_directories = '{self.folder}'\n"
        subprocess.run(
            as_cluster_owner(["sh", "-c", f"cat >> {self.data}/postgresql.conf"]),
            input=(settings + "listen_addresses = ''\n").encode(),
            check=True,
        )
        start = [str(self.bindir / "pg_ctl"), "-D", str(self.data), "-l", str(self.folder / "log")]
        subprocess.run(
            as_cluster_owner([*start, "-w", "-t", "120", "start"]),
            check=True,
            capture_output=True,
        )
        self.url = (
            f"postgis://{database['USER']}@{urllib.parse.quote(str(self.folder), safe='')}:"
            f"{self.port}/{database['NAME']}"
        )

    def _connect(self, host, port):
        import psycopg

        return psycopg.connect(
            host=host,
            port=port,
            user=self.database["USER"],
            dbname=self.database["NAME"],
            autocommit=True,
        )

    def connect(self):
        return self._connect(str(self.folder), self.port)

    def primary(self):
        return self._connect(self.primary_host, self.primary_port)

    def caught_up(self):
        with self.primary() as primary, self.connect() as replica:
            wanted = primary.execute("SELECT pg_current_wal_lsn()").fetchone()[0]
            deadline = time.monotonic() + 60
            while not replica.execute(
                "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [wanted]
            ).fetchone()[0]:
                assert time.monotonic() < deadline, "the replica did not catch up"
                time.sleep(0.05)

    def pause(self):
        """Replay stops once it has caught up: from then on the replica shows the data as it is
        now, and what a page shows says which database answered."""
        self.caught_up()
        with self.connect() as replica:
            replica.execute("SELECT pg_wal_replay_pause()")

    def resume(self):
        with self.connect() as replica:
            replica.execute("SELECT pg_wal_replay_resume()")
        self.caught_up()

    def stop(self):
        subprocess.run(
            as_cluster_owner(
                [str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"]
            ),
            capture_output=True,
        )
        shutil.rmtree(self.folder, ignore_errors=True)
