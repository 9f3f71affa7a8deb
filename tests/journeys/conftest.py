"""Journeys: what a person does, in Debian's Chromium with a Thai locale, on a desktop and on a
phone. A journey opens the start page and then only clicks what is visible, types into visible
fields and follows links from e-mails (read from the test outbox). No requests of its own, no
script to change the page. Each step is photographed into test-artifacts/journeys/ and checked
for developer English on Thai pages."""

import contextlib
import hashlib
import re

import pytest
from django.conf import settings
from django.core import mail
from playwright.sync_api import expect

from opportunities import demo, tiles
from places import package_gazetteer
from places.models import Area
from tests.conftest import BrowserPage, wait_for_the_server_to_finish

pytestmark = [pytest.mark.browser, pytest.mark.journey]

DEVICES = {
    "desktop": {"viewport": {"width": 1280, "height": 800}},
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "is_mobile": True,
        "has_touch": True,
        "device_scale_factor": 2,
    },
}

# What a Thai page must never show: the developer English that people met before.
DEVELOPER_PHRASES = [
    "could not place",
    "ambiguous:",
    "no Thai place name",
    "choose from",
    "is violated",
    "Constraint “",
    "This field is required",
    "Enter a valid",
    "Please enter a correct",
    "username",
    "Traceback",
    "Server Error",
    "Not Found",
    "Bad Request",
    "is not a number",
    "must be",
    "outside Thailand",
    "give an address",
    "a whole number",
    "YYYY-MM-DD",
]


@pytest.fixture(params=list(DEVICES))
def device(request):
    return request.param


@pytest.fixture
def demo_world(transactional_db):
    """The demo data of ./dev run: the package gazetteer, 27 organizations (11 of them the
    network's partners), 28 opportunities."""
    if not Area.objects.exists():
        package_gazetteer.load()
    demo.load()
    for layer in tiles.LAYERS:
        tiles.rebuild_pyramid(layer)


class Person:
    """One person at one device: their browser page, their steps, their e-mails."""

    def __init__(self, context, live_server, folder, device):
        self.context, self.base, self.folder, self.device = context, live_server.url, folder, device
        self.page = context.new_page()
        self.tiles = settings.MAP_TILES_URL.split("{", 1)[0]
        self.outside_requests = []
        self.allowed = [self.base, "data:"]
        self.step_number = 0
        self.console_errors = []
        self.page.on("pageerror", lambda error: self.console_errors.append(str(error)))
        self.page.on(
            "console",
            lambda m: (
                m.type == "error"
                and "status of 4" not in m.text  # an API's 400 that the page explains
                and self.console_errors.append(m.text)
            ),
        )
        self.page.route("**/*", self._only_this_machine)

    def _only_this_machine(self, route):
        url = route.request.url
        if any(url.startswith(allowed) for allowed in self.allowed):
            route.continue_()
        elif self.tiles and url.startswith(self.tiles):  # the base map: a blank tile (offline)
            route.fulfill(status=200, content_type="image/png", body=BrowserPage.BLANK_TILE)
        else:
            self.outside_requests.append(url)
            route.abort()

    @property
    def phone(self):
        return self.device == "phone"

    def opens(self, path="/"):
        """The start page: the only address a journey types."""
        self.page.goto(self.base + path)
        return self

    def step(self, name, loading=False):
        """Photograph the page as it is now (once it has loaded, unless it is still `loading`),
        and check it for developer English."""
        self.step_number += 1
        if not loading:
            self.page.wait_for_load_state("networkidle")
        slug = re.sub(r"[^\w-]+", "-", name).strip("-").lower()
        self.page.screenshot(
            path=self.folder / f"{self.step_number:02d}-{slug}.png", full_page=True
        )
        if self.page.locator("html").get_attribute("lang") == "th":
            text = self.page.locator("body").inner_text()
            found = [p for p in DEVELOPER_PHRASES if p.lower() in text.lower()]
            assert not found, f"{name}: developer English on a Thai page: {found}"
        return self

    def sees(self, text, **options):
        expect(self.page.get_by_text(text, **options).first).to_be_visible()
        return self

    def clicks(self, role, name, **options):
        self.page.get_by_role(role, name=name, **options).first.click()
        return self

    def field(self, label):
        """The field a person finds by its label as shown ("อีเมล:" for "อีเมล")."""
        return self.page.get_by_label(re.compile(rf"^\s*{re.escape(label)}:?\s*$"))

    def types(self, label, text):
        field = self.page.get_by_label(label, exact=False).first
        field.fill(text)
        return field

    def menu(self):
        """The account links: in the header on a desktop, behind the menu button on a phone."""
        if self.phone:
            self.page.locator("header details.menu > summary").click()
        return self.page.locator("header nav.account:visible")

    def opens_filters(self):
        box = self.page.locator("#filter-box")
        if box.get_attribute("open") is None:
            box.locator("summary").click()

    def email_to(self, address, containing=""):
        messages = [m for m in mail.outbox if address in m.to and containing in m.body]
        assert messages, f"no e-mail to {address} containing {containing!r}"
        return messages[-1]

    def follows_link_in(self, message, path_part):
        """Open the link of an e-mail that leads to `path_part` (as a mail client would)."""
        links = re.findall(r"https?://\S+", message.body)
        [link] = [link for link in links if path_part in link][:1] or [None]
        assert link, f"no link with {path_part} in: {message.body}"
        self.page.goto(link.rstrip(".,>)"))
        return self

    @contextlib.contextmanager
    def on_a_slow_connection(self):
        """The map's script arrives only when the block ends, as on a slow phone: what the person
        does meanwhile is done on a page whose map has not loaded."""
        held = []

        def hold(route):
            held.append(route)

        self.page.route("**/js/map*.js", hold)
        try:
            yield
            assert held, "the map's script was not asked for"
        finally:
            self.page.unroute("**/js/map*.js", hold)
            for route in held:
                route.continue_()

    def no_errors(self):
        assert self.console_errors == [], self.console_errors
        assert self.outside_requests == [], self.outside_requests


@pytest.fixture
def journey(browser, live_server, artifacts_dir, settings, device, request):
    """A person with a new browser (Thai locale) at the device; more with journey.another()."""
    settings.SITE_URL = live_server.url  # links in e-mails lead here
    contexts = []

    def person(name="person"):
        case = re.sub(r"[^A-Za-z0-9_]+", "-", request.node.originalname)[:80]
        tag = hashlib.sha256(request.node.name.encode()).hexdigest()[:6]  # which parameters
        folder = artifacts_dir / "journeys" / f"{case}-{device}-{tag}-{name}"
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*.png"):
            old.unlink()
        context = browser.new_context(locale="th-TH", timezone_id="Asia/Bangkok", **DEVICES[device])
        contexts.append(context)
        return Person(context, live_server, folder, device)

    first = person()
    first.another = person
    people = [first]
    first.another = lambda name="person": people.append(person(name)) or people[-1]
    yield first
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:  # what each person saw when it failed
        for someone in people:
            someone.page.screenshot(path=someone.folder / "failure.png", full_page=True)
    for context in contexts:
        context.close()
    wait_for_the_server_to_finish()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.report_call = report
    return report
