"""Real servers for tests: gunicorn as docker-compose.yml runs it, and a canary HTTP server that
records every request made to it (to prove that nothing was fetched)."""

import copy
import http.server
import re
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
GUNICORN = Path(sys.executable).with_name("gunicorn")


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
            [str(GUNICORN), "-c", "mapsite/gunicorn.py", "mapsite.wsgi"],
            cwd=ROOT,
            env={
                **environ,
                "WEB_BIND": f"127.0.0.1:{self.port}",
                "WEB_WORKERS": str(workers),
                "WEB_ACCESS_LOG": "0",
            },
            stdout=subprocess.DEVNULL,
            stderr=self.log,
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
        raise AssertionError("gunicorn did not start")

    def get(self, path, language="th", data=None, headers=None):
        """(status, headers, body); `data` (bytes) makes it a POST; cookies are kept."""
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
                return response.status, dict(response.headers), response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read().decode()

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
        self.process.terminate()
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
