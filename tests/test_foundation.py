"""The foundation: PostGIS, health checks, deploy settings, the map page, deployment files."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.db import connection
from django.urls import reverse

from mapsite import env
from tests.conftest import wait_until

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "k" * 10 + "-Zq8v3Lr9Tn2Wc7Yp4Xm6Hb1Js5Dg0Fa!Ke@Ru#Vi$",
    "ALLOWED_HOSTS": "volunteer.example.org",
    "CACHE_URL": os.environ.get("CACHE_URL", "redis://127.0.0.1:6379/9"),
}


def subprocess_env(**overrides):
    environ = {**os.environ, **overrides}
    # Set for Playwright's event loop in this process only; deploy checks would flag it.
    environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return environ


def manage(*args, env_overrides, check=False):
    environ = subprocess_env(**env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=check,
    )


@pytest.mark.django_db
def test_postgis_extension_is_installed():
    with connection.cursor() as cursor:
        cursor.execute("SELECT extversion FROM pg_extension WHERE extname = 'postgis'")
        row = cursor.fetchone()
    assert row is not None, "the postgis extension is missing from the database"
    assert int(row[0].split(".")[0]) >= 3


@pytest.mark.django_db
def test_healthz_reports_postgis_version(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    with connection.cursor() as cursor:
        cursor.execute("SELECT postgis_lib_version()")
        assert body["postgis"] == cursor.fetchone()[0]
    assert "no-cache" in response["Cache-Control"]


def test_healthz_answers_503_when_the_database_is_down():
    # A real connection attempt to a port where nothing listens, in a fresh process.
    script = (
        "import django, json; django.setup();"
        "from django.test import Client;"
        "r = Client().get('/healthz', HTTP_HOST='localhost');"
        "print(json.dumps({'status': r.status_code, 'body': r.json()}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=subprocess_env(
            DJANGO_SETTINGS_MODULE="mapsite.settings",
            DATABASE_URL="postgis://nobody@127.0.0.1:9/nothing",
            DATABASE_CONNECT_TIMEOUT="2",
            DEBUG="1",
        ),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer == {"status": 503, "body": {"status": "unavailable", "database": "unreachable"}}


def test_production_settings_pass_deploy_checks():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env_overrides=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr


def test_deploy_checks_catch_an_insecure_configuration():
    insecure = {**PRODUCTION_ENV, "SECURE_SSL_REDIRECT": "0", "SECURE_HSTS_SECONDS": "0"}
    result = manage("check", "--deploy", "--fail-level", "WARNING", env_overrides=insecure)
    assert result.returncode != 0
    assert "security.W008" in result.stderr and "security.W004" in result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    result = manage("check", env_overrides={**PRODUCTION_ENV, "SECRET_KEY": ""})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


@pytest.mark.django_db
def test_home_page_has_the_map_and_local_leaflet(client):
    response = client.get(reverse("home"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="map"' in html
    assert "window.volmap.init" in html
    scripts = re.findall(r'<script[^>]+src="([^"]+)"', html)
    styles = re.findall(r'<link[^>]+href="([^"]+\.css)"', html)
    assert any(src.endswith("leaflet/leaflet.js") for src in scripts)
    assert any(href.endswith("leaflet/leaflet.css") for href in styles)
    # Every asset is served by us: no CDN.
    assert all(url.startswith("/static/") for url in scripts + styles), scripts + styles
    assert 'lang="th"' in html


@pytest.mark.django_db
def test_home_page_in_english(client):
    response = client.get("/en/")
    assert response.status_code == 200
    assert 'lang="en"' in response.content.decode()


def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_docker_compose_runs_postgis_web_and_redis_with_healthchecks():
    services = compose()["services"]
    assert services["db"]["image"].startswith("postgis/postgis:")
    assert "redis" in services["redis"]["image"]
    for name in ("db", "web", "redis"):
        assert "healthcheck" in services[name], f"{name} has no healthcheck"
    web = services["web"]
    assert "mapsite.web" in " ".join(web["command"]) and "migrate" in " ".join(web["command"])
    assert web["depends_on"]["db"]["condition"] == "service_healthy"


@pytest.mark.django_db
def test_the_web_servers_statements_stop_at_their_timeout():
    database = connection.settings_dict
    url = f"postgis://{database['USER']}@/{database['NAME']}"

    def run(code, **environ):
        return subprocess.run(
            [sys.executable, "-c", f"import django; django.setup(); {code}"],
            cwd=ROOT,
            env=subprocess_env(
                DJANGO_SETTINGS_MODULE="mapsite.settings", DATABASE_URL=url, **environ
            ),
            capture_output=True,
            text=True,
            timeout=60,
        )

    sleep = "from django.db import connection; connection.cursor().execute('SELECT pg_sleep(2)')"
    stopped = run(sleep, DATABASE_STATEMENT_TIMEOUT="1")
    assert stopped.returncode == 1 and "statement timeout" in stopped.stderr
    assert run(sleep).returncode == 0  # commands and tasks: no limit
    # The web server gives its workers the limit.
    served = run(
        "import os; from mapsite.web import server; server(); "
        "print(os.environ['DATABASE_STATEMENT_TIMEOUT'])"
    )
    assert served.stdout.strip() == "120", served.stderr


ASGI_REQUESTS = """
import asyncio, sys
from asgiref.testing import ApplicationCommunicator
from mapsite.asgi import application

async def get(path):
    scope = {"type": "http", "method": "GET", "path": path, "query_string": b"",
             "headers": [(b"host", b"localhost")], "scheme": "http", "http_version": "1.1",
             "server": ("localhost", 80), "asgi": {"version": "3.0"}}
    communicator = ApplicationCommunicator(application, scope)
    await communicator.send_input({"type": "http.request", "body": b""})
    start = await communicator.receive_output(10)
    while (await communicator.receive_output(10)).get("more_body"):
        pass
    await communicator.wait(10)  # the application's end: the request's signals
    return start["status"]

async def main():
    return [await get("/healthz") for _ in range(5)]

print(asyncio.run(main()), flush=True)
sys.stdin.readline()  # alive, with whatever connections it kept, until the test has counted
"""


@pytest.mark.django_db
def test_the_asgi_application_leaves_no_connection_open():
    """Django runs each ASGI request's views in a thread of that request: a connection kept
    after it is not used again, and such connections piled up to PostgreSQL's max_connections
    (bench/mixed_load.py's uvicorn rows). mapsite/asgi.py closes them after each request."""
    database = connection.settings_dict
    name = f"asgi-test-{os.getpid()}"
    process = subprocess.Popen(
        [sys.executable, "-c", ASGI_REQUESTS],
        cwd=ROOT,
        env=subprocess_env(
            DATABASE_URL=f"postgis://{database['USER']}@/{database['NAME']}",
            PGAPPNAME=name,  # libpq names the process's connections
            ALLOWED_HOSTS="localhost",
        ),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout.readline().strip() == "[200, 200, 200, 200, 200]"
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", [name]
            )
            assert cursor.fetchone()[0] == 0
    finally:
        process.communicate("\n", timeout=30)


def settings_names():
    # mapsite.settings has already been imported by pytest-django: every name it read is recorded.
    return env.NAMES_READ


def test_docker_compose_env_names_are_read_by_the_settings():
    web_env = set(compose()["services"]["web"]["environment"])
    unknown = web_env - settings_names()
    assert not unknown, f"docker-compose.yml sets names the settings never read: {unknown}"


def test_env_example_documents_every_setting():
    documented = set(
        re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.M)
    )
    assert documented == settings_names(), (
        f"undocumented: {settings_names() - documented}; not read: {documented - settings_names()}"
    )


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_map_page_in_chromium(browser_page, live_server, artifacts_dir):
    page = browser_page.page
    page.goto(live_server.url + "/")
    wait_until(page, "window.volmap && window.volmap.map && window.volmap.map._loaded")
    zoom = page.evaluate("window.volmap.map.getZoom()")
    center = page.evaluate("window.volmap.map.getCenter()")
    assert 5 <= zoom <= 7
    assert 5.6 < center["lat"] < 20.5 and 97.3 < center["lng"] < 105.7
    thai_faces = page.evaluate(
        "document.fonts.load('16px \"Noto Sans Thai\"', 'ทำดี').then(faces => faces.length)"
    )
    assert thai_faces >= 1, "the self-hosted Thai font did not load"
    page.screenshot(path=artifacts_dir / "home-map.png", full_page=True)
    assert browser_page.console_errors == []
    assert browser_page.outside_requests == []
