"""The edge cache: Debian's nginx with deploy/nginx.conf (only its upstream, port and folders
changed) in front of gunicorn. Tiles and the public API answers are kept and served by nginx
(MISS, then HIT); a change shows once their max-age passes (the site's PUBLIC_MAX_AGE_SECONDS, two
seconds here); an unchanged entry is revalidated with a 304; someone logged in goes past the
cache and their answers are never stored."""

import getpass
import json
import math
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.db import connection

from opportunities.tasks import refresh_map
from places import package_gazetteer
from places.models import Area
from tests.factories import OpportunityFactory
from tests.servers import Server, free_port
from tests.test_foundation import subprocess_env

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
ROOT = Path(__file__).resolve().parent.parent
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
MAX_AGE = 2


def nginx_configuration(folder: Path, upstream: int, listen: int) -> str:
    """deploy/nginx.conf inside a main configuration of its own, on local ports and folders."""
    shipped = (ROOT / "deploy" / "nginx.conf").read_text()
    for old, new in [
        ("server web:8000;", f"server 127.0.0.1:{upstream};"),
        ("listen 80;", f"listen 127.0.0.1:{listen};"),
        ("/var/cache/nginx/volmap", str(folder / "cache")),
    ]:
        assert old in shipped, f"deploy/nginx.conf no longer has {old!r}"
        shipped = shipped.replace(old, new)
    temporary = " ".join(
        f"{kind}_temp_path {folder / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""
user {getpass.getuser()};
daemon off;
worker_processes 1;
pid {folder / "nginx.pid"};
error_log {folder / "error.log"};
events {{ worker_connections 256; }}
http {{
    access_log off;
    {temporary}
    {shipped}
}}
"""


class Edge:
    def __init__(self, folder, upstream):
        self.port = free_port()
        config = folder / "nginx.conf"
        config.write_text(nginx_configuration(folder, upstream, self.port))
        subprocess.run([NGINX, "-t", "-q", "-c", str(config)], check=True, capture_output=True)
        self.process = subprocess.Popen([NGINX, "-c", str(config)], stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while not (folder / "nginx.pid").exists():
            assert time.monotonic() < deadline, (folder / "error.log").read_text()
            time.sleep(0.05)

    def get(self, path, **headers):
        """(X-Cache-Status, Cache-Control, body)"""
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
                import gzip

                body = gzip.decompress(body)
            return (
                response.headers.get("X-Cache-Status"),
                response.headers.get("Cache-Control"),
                body,
            )

    def stop(self):
        self.process.terminate()
        self.process.wait(10)


@pytest.fixture
def edge(tmp_path):
    if not Path(NGINX).exists():
        pytest.skip("nginx is not installed (./dev installs Debian's nginx-light)")
    if not Area.objects.exists():  # an earlier transactional test emptied the database
        package_gazetteer.load()
    database = connection.settings_dict
    server = Server(
        subprocess_env(
            DEBUG="1",
            ALLOWED_HOSTS="volunteer.example.org",
            DATABASE_URL=f"postgis://{database['USER']}@/{database['NAME']}",
            PUBLIC_MAX_AGE_SECONDS=str(MAX_AGE),
        )
    )
    front = Edge(tmp_path, server.port)
    yield front
    front.stop()
    server.stop()


def tile_of(lon, lat, z):
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return f"/tiles/opportunities/{z}/{x}/{y}.geojson"


def features(body):
    return len(json.loads(body)["features"])


def test_tiles_and_public_answers_come_from_the_cache_and_a_change_shows_within_max_age(edge):
    from django.contrib.gis.geos import Point

    OpportunityFactory(location=Point(100.5018, 13.7563, srid=4326))
    refresh_map()
    tile, api = tile_of(100.5018, 13.7563, 15), "/api/v1/opportunities/?page_size=5"
    assert edge.get(tile)[0] == "MISS"
    status, cache_control, body = edge.get(tile)
    assert (status, cache_control, features(body)) == ("HIT", f"public, max-age={MAX_AGE}", 1)
    assert edge.get(api)[0] == "MISS"
    assert edge.get(api)[:2] == ("HIT", f"public, max-age={MAX_AGE}")

    # Logged in: past the cache, told private, and not stored for anyone else.
    status, cache_control, _ = edge.get(api, Cookie="sessionid=someone")
    assert status == "BYPASS" and "private" in cache_control

    OpportunityFactory(location=Point(100.5020, 13.7565, srid=4326))  # a new one, same tile
    refresh_map()  # as the worker does every minute: the data's version moves on
    status, _, body = edge.get(tile)
    assert (status, features(body)) == ("HIT", 1)  # still fresh for nginx
    time.sleep(MAX_AGE + 1.5)  # nginx counts whole seconds
    status, _, body = edge.get(tile)
    assert (status, features(body)) == ("EXPIRED", 2)  # revalidated: changed, fetched anew
    assert edge.get(tile)[0] == "HIT"
    time.sleep(MAX_AGE + 1.5)  # nginx counts whole seconds
    status, _, body = edge.get(tile)
    assert (status, features(body)) == ("REVALIDATED", 2)  # unchanged: the site said 304


def test_compose_puts_this_configuration_in_front_of_the_web_service():
    import yaml

    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    assert "./deploy/nginx.conf:/etc/nginx/conf.d/default.conf:ro" in services["edge"]["volumes"]
    assert services["edge"]["depends_on"] == {"web": {"condition": "service_healthy"}}
    assert "server web:8000;" in (ROOT / "deploy" / "nginx.conf").read_text()
