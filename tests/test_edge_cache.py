"""The edge cache: Debian's nginx with deploy/nginx.conf (only its upstream, port and folders
changed) in front of the web server. Tiles and the public API answers are kept and served by nginx
(MISS, then HIT); a change shows once their max-age passes (the site's PUBLIC_MAX_AGE_SECONDS, two
seconds here); an unchanged entry is revalidated with a 304; someone logged in goes past the
cache and their answers are never stored."""

import json
import math
import time
from pathlib import Path

import pytest
from django.db import connection

from opportunities.tasks import refresh_map
from places import package_gazetteer
from places.models import Area
from tests.factories import OpportunityFactory
from tests.servers import NGINX, Nginx, Server
from tests.test_foundation import subprocess_env

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
ROOT = Path(__file__).resolve().parent.parent
MAX_AGE = 2


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
    front = Nginx(tmp_path, server.port)
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
