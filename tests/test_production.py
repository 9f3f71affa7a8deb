"""The Docker image's way of building and serving, without Docker: the Dockerfile's own build
commands (compilemessages, collectstatic with production settings), then the web server (granian) with DEBUG=0
as docker-compose.yml runs it. Pages render with their hashed static files, errors come in the site's
layout, and a database that cannot be reached is a 503 (JSON on the API), never a 500."""

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from places import package_gazetteer
from places.models import Area
from tests.factories import OpportunityFactory
from tests.servers import Server
from tests.test_foundation import PRODUCTION_ENV, subprocess_env

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parent.parent


def dockerfile_build_commands() -> list[str]:
    """The `manage.py` steps of the Dockerfile's RUN instruction that collects static files."""
    text = (ROOT / "Dockerfile").read_text()
    instructions = re.split(r"\n(?=[A-Z]+ )", text.replace("\\\n", " "))
    [run] = [i for i in instructions if i.startswith("RUN ") and "collectstatic" in i]
    steps = [step.strip() for step in run[len("RUN ") :].split("&&")]
    return [step for step in steps if "manage.py" in step]


@pytest.fixture(scope="module")
def collected_static(tmp_path_factory):
    """STATIC_ROOT filled by the Dockerfile's own commands."""
    static_root = tmp_path_factory.mktemp("static")
    environ = subprocess_env(STATIC_ROOT=str(static_root))
    environ["PATH"] = f"{Path(sys.executable).parent}:{environ['PATH']}"  # its `python`
    for step in dockerfile_build_commands():
        subprocess.run(
            ["/bin/sh", "-c", step],
            cwd=ROOT,
            env=environ,
            check=True,
            capture_output=True,
            timeout=300,
        )
    assert (static_root / "staticfiles.json").exists(), "collectstatic wrote no manifest"
    return static_root


def production(static_root, **overrides):
    return subprocess_env(
        **PRODUCTION_ENV,
        STATIC_ROOT=str(static_root),
        SECURE_PROXY_SSL_HEADER_ENABLED="1",
        DJANGO_SETTINGS_MODULE="mapsite.settings",
        **overrides,
    )


def test_the_dockerfile_collects_static_with_production_settings():
    steps = dockerfile_build_commands()
    assert any("collectstatic" in s for s in steps)
    for step in steps:
        assignments = dict(
            word.split("=", 1) for word in shlex.split(step) if re.match(r"^[A-Z_]+=", word)
        )
        assert assignments.get("DEBUG") == "0", step


def test_pages_render_under_the_web_server_with_debug_off(collected_static):
    if not Area.objects.exists():  # an earlier transactional test emptied the database
        package_gazetteer.load()
    opportunity = OpportunityFactory(title="สอนหนังสือน้องที่วัด")
    database = connection.settings_dict
    url = f"postgis://{database['USER']}@/{database['NAME']}"
    server = Server(production(collected_static, DATABASE_URL=url))
    try:
        for path in ("/", "/opportunities/", f"/opportunities/{opportunity.pk}/", "/en/"):
            status, headers, body = server.get(path)
            assert status == 200, (path, body[:500])
            stylesheet = re.search(r'href="(/static/css/site\.[0-9a-f]{12}\.css)"', body)
            assert stylesheet, f"{path}: no hashed stylesheet"
            policy = dict(
                d.strip().split(" ", 1) for d in headers["Content-Security-Policy"].split(";")
            )
            assert "unsafe" not in policy["script-src"] and "'self'" in policy["script-src"]
            if path in ("/", "/en/"):  # the map's start-up script carries the request's nonce
                nonce = re.search(r"'nonce-([^']+)'", policy["script-src"])[1]
                assert f'<script nonce="{nonce}">' in body
        assert "สอนหนังสือน้องที่วัด" in server.get(f"/opportunities/{opportunity.pk}/")[2]
        status, headers, _ = server.get(stylesheet[1])
        assert status == 200 and "text/css" in headers["Content-Type"]

        status, _, body = server.get("/no-such-page/")
        assert status == 404 and "ไม่มีหน้านี้" in body and 'href="/"' in body
        status, _, body = server.get("/en/no-such-page/", language="en")
        assert status == 404 and "This page does not exist" in body
        status, headers, body = server.get("/api/v1/no-such-thing/")
        assert status == 404 and headers["Content-Type"] == "application/json"
        assert server.get("/healthz")[0] == 200
    finally:
        server.stop()


def test_a_database_that_cannot_be_reached_is_a_503_never_a_500(collected_static):
    server = Server(
        production(
            collected_static,
            DATABASE_URL="postgis://nobody@127.0.0.1:9/nothing",
            DATABASE_CONNECT_TIMEOUT="2",
        )
    )
    try:
        status, headers, body = server.get("/api/v1/opportunities/")
        assert status == 503 and headers["Content-Type"] == "application/json", body
        assert headers["Retry-After"]
        status, headers, body = server.get("/opportunities/")
        assert status == 503 and "text/html" in headers["Content-Type"]
        assert "ไม่สามารถให้บริการได้ชั่วคราว" in body and 'href="/"' in body
        assert server.get("/healthz")[0] == 503
    finally:
        server.stop()
