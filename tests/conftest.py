import os
import shutil
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS_DIR", ROOT / "test-artifacts"))
CHROMIUM = os.environ.get("CHROMIUM_PATH", shutil.which("chromium") or "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


# A test that asks for one of these, or is marked `browser`, is slow: Chromium, a live server, the
# official data files, the Docker image's static files built and served by the web server. Tests
# that start threads or servers of their own are marked where they are (pytest.mark.slow).
# `./dev test -m "not slow"` runs the rest in a fraction of the time.
SLOW_FIXTURES = {
    "browser",
    "browser_page",
    "collected_static",
    "journey",
    "live_server",
    "open_data",
}


def pytest_collection_modifyitems(config, items):
    for item in items:
        uses = set(getattr(item, "fixturenames", ()))
        if uses & SLOW_FIXTURES or item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def artifacts_dir():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"Chromium not found at {CHROMIUM} (./dev test installs Debian's chromium)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls made by tests and
    # by live_server are still synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class BrowserPage:
    """A page that records console errors and refuses to fetch anything off this machine.

    Base-map tiles are answered with a blank tile (there is no internet here, and the map must
    not need it); every other outside request is refused and recorded, so a CDN would show up.
    """

    BLANK_TILE = bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360000002000100e5279ade0000000049454e44ae426082"
    )

    def __init__(self, page, live_server_url, tiles_url_prefix):
        self.page = page
        self.console_errors = []
        self.outside_requests = []
        page.on("console", self._on_console)
        page.on("pageerror", lambda exc: self.console_errors.append(str(exc)))
        page.route("**/*", lambda route: self._route(route, live_server_url, tiles_url_prefix))

    def _on_console(self, message):
        if message.type == "error":
            self.console_errors.append(message.text)

    def _route(self, route, live_server_url, tiles_url_prefix):
        url = route.request.url
        if url.startswith(live_server_url) or url.startswith("data:"):
            route.continue_()
        elif tiles_url_prefix and url.startswith(tiles_url_prefix):
            route.fulfill(status=200, content_type="image/png", body=self.BLANK_TILE)
        else:
            self.outside_requests.append(url)
            route.abort()


@pytest.fixture
def browser_page(browser, live_server, settings):
    tiles_prefix = settings.MAP_TILES_URL.split("{", 1)[0]
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="th-TH")
    page = context.new_page()
    yield BrowserPage(page, live_server.url, tiles_prefix)
    context.close()
    wait_for_the_server_to_finish()


def wait_for_the_server_to_finish(timeout=15):
    """After the browser closes, wait until the live server has answered what it was sent (a
    tile, a list): the database flush that ends the test would otherwise deadlock with a request
    still reading. Waits on PostgreSQL's own view of the test database's other connections."""
    from django.db import connection

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
                " AND state <> 'idle'"
            )
            if cursor.fetchone()[0] == 0:
                return
        time.sleep(0.05)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database starts with the package gazetteer (77 / 928 / 7,436 areas), as after
    ./dev run. Transactional tests empty the database afterwards and reload it themselves."""
    from geocoding import service
    from places import package_gazetteer

    with django_db_blocker.unblock():
        package_gazetteer.load()
        service.gazetteer()


@pytest.fixture(autouse=True)
def fresh_gazetteer():
    """A test that changed the areas (and so rebuilt the in-memory gazetteer) leaves no trace of
    it for the next test, whose transaction no longer has those changes."""
    from geocoding import service

    before = service._state["gazetteer"]
    yield
    if service._state["gazetteer"] is not before:
        service.forget_gazetteer()


@pytest.fixture
def open_data(settings):
    """The official data files (OPEN_DATA_DIR); tests that need them skip when absent."""
    root = settings.OPEN_DATA_DIR

    def path(relative):
        file = root / relative
        if not file.exists():
            pytest.skip(f"official data {relative} not found in OPEN_DATA_DIR={root}")
        return file

    return path


@pytest.fixture(autouse=True)
def site_language():
    """Each test starts in the site's language. The test client answers in the test's own
    thread, and LocaleMiddleware leaves the language of the last request (/en/…) active there:
    links built outside a request (e-mails sent by a job, as the journeys do) followed it."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Real hashing costs a quarter second a user; tests create hundreds."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def streamed(response) -> bytes:
    """The whole body of a streamed response (an export)."""
    return b"".join(response.streaming_content)


def api(user=None):
    """An API client, authenticated as the user when one is given."""
    from rest_framework.test import APIClient

    client = APIClient()
    if user:
        client.force_authenticate(user)
    return client


def wait_until(page, expression, timeout=10_000):
    """Poll a script expression until it is truthy. Playwright's wait_for_function compiles its
    predicate with eval inside the page, which the site's Content-Security-Policy refuses."""
    deadline = time.monotonic() + timeout / 1000
    while True:
        value = page.evaluate(expression)
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout} ms: {expression}")
        page.wait_for_timeout(50)


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with empty caches: no rate-limit counts, tiles or versions of another
    test (./dev test gives the tests a Redis database of their own)."""
    from django.core.cache import caches

    for cache in caches.all():
        cache.clear()


@pytest.fixture(autouse=True)
def tasks_run_in_process(request):
    """A task that a test sends runs in the test's own process, at once, unless the test starts
    a real worker (tests/test_worker.py), which is then the one that runs it."""
    from mapsite.celery import app

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = "celery_worker" not in request.fixturenames
    yield
    app.conf.task_always_eager = eager
