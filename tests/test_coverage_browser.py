"""The coordinator's coverage page in headless Chromium: gap areas and uncovered needs on the map,
the list beside it opens an area's reasons, no console errors, nothing fetched off this machine."""

import re

import pytest
from django.conf import settings
from django.contrib.gis.geos import Point
from django.test import Client
from playwright.sync_api import expect

from needs import coverage
from places import package_gazetteer
from places.models import Area
from tests.conftest import wait_until
from tests.factories import CHIANG_MAI, NeedFactory, OpportunityFactory, coordinator

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def logged_in(browser_page, live_server, user):
    client = Client()
    client.force_login(user)
    browser_page.page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    return browser_page.page


def test_coverage_map_shows_gaps_and_uncovered_needs(browser_page, live_server, artifacts_dir):
    if not Area.objects.exists():  # an earlier transactional test emptied the database
        package_gazetteer.load()
    far = Point(*Area.objects.get(code="580101").point.coords, srid=4326)
    OpportunityFactory(location=CHIANG_MAI)
    NeedFactory()  # covered: an opportunity is in the same place
    uncovered = [
        NeedFactory(location=far, area_id="580101", urgency=4, title="ติดค้างบนหลังคา"),
        NeedFactory(location=far, area_id="580101", urgency=2),
    ]
    coverage.refresh(full=True)

    page = logged_in(browser_page, live_server, coordinator())
    page.goto(live_server.url + "/coordinate/?level=tambon&km=20")
    wait_until(page, "document.getElementById('coverage-map').dataset.loaded === '1'")
    coverage_map = page.locator("#coverage-map")
    expect(coverage_map).to_have_attribute("data-areas", "2")
    expect(coverage_map).to_have_attribute("data-needs", "2")
    expect(page.locator("path.coverage-area")).to_have_count(2)
    expect(page.locator("path.uncovered-need")).to_have_count(len(uncovered))
    expect(page.locator("#gaps li").first).to_have_attribute("data-code", "580101")  # worst first
    expect(page.locator("#uncovered")).to_contain_text("ติดค้างบนหลังคา", use_inner_text=True)

    page.locator("#gaps li").first.click()
    expect(page.locator(".leaflet-popup-content")).to_contain_text(
        re.compile("2 "), use_inner_text=True
    )
    page.screenshot(path=artifacts_dir / "coverage.png", full_page=True)
    assert browser_page.console_errors == [] and browser_page.outside_requests == []
