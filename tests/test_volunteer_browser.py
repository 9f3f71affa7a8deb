"""A volunteer in headless Chromium: set the home by clicking the profile's map, see a suggestion
near it with its reasons, sign up for a shift from the opportunity's page."""

import re

import pytest
from django.contrib.gis.geos import Point
from playwright.sync_api import expect

from tests.conftest import wait_until
from tests.factories import PASSWORD, OpportunityFactory, ShiftFactory, VolunteerFactory
from volunteers.models import SignUp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_click_home_see_a_match_and_sign_up(browser_page, live_server, artifacts_dir):
    profile = VolunteerFactory(
        causes=["education"], skills=["teaching"], user__username="nok@example.org"
    )
    near = Point(100.5318, 13.7563, srid=4326)
    opportunity = OpportunityFactory(
        location=near,
        causes=["education"],
        skills=["teaching"],
        area_id=None,
        organization__area_id=None,
    )
    ShiftFactory(opportunity=opportunity, capacity=2)
    page = browser_page.page
    page.goto(live_server.url + "/accounts/login/")
    page.fill("input[name=username]", "nok@example.org")
    page.fill("input[name=password]", PASSWORD)
    page.click("form.stacked button[type=submit]")
    page.wait_for_url("**/me/")

    page.goto(live_server.url + "/me/profile/")
    wait_until(page, "window.volmap && window.volmap.map && window.volmap.map._loaded")
    # Click where Bangkok's centre is on the map.
    page.evaluate("window.volmap.map.setView([13.7563, 100.5018], 12)")
    point = page.evaluate(
        "(() => { const p = window.volmap.map.latLngToContainerPoint([13.7563, 100.5018]);"
        " return [p.x, p.y]; })()"
    )
    page.locator("#home-map").click(position={"x": point[0], "y": point[1]})
    note = page.locator("#home-map-note")  # what the person reads once the click is taken
    expect(note).to_have_text(note.get_attribute("data-clicked"))
    assert abs(float(page.input_value("#id_home_lat")) - 13.7563) < 0.01
    page.screenshot(path=artifacts_dir / "volunteer-profile.png", full_page=True)
    page.click("form.profile-form button[type=submit]")
    page.wait_for_url("**/me/")
    profile.refresh_from_db()
    assert profile.home_precision == "grid"
    assert profile.home.distance(Point(100.5018, 13.7563, srid=4326)) < 0.01

    page.goto(live_server.url + "/me/for-you/")
    item = page.locator(f".matches li[data-opportunity='{opportunity.pk}']")
    expect(item).to_have_count(1)
    # "3.2 กม. · …": starts with the distance, then the reasons.
    why = re.compile(r"^[32]\.[\s\S]* กม\. · ")
    expect(item.locator(".why")).to_have_text(why, use_inner_text=True)
    page.screenshot(path=artifacts_dir / "volunteer-for-you.png", full_page=True)

    item.locator("a").click()
    page.wait_for_selector("ul.shifts form button")
    page.click("ul.shifts form button")
    page.wait_for_selector(".mine")
    assert SignUp.objects.get(volunteer=profile.user).status == "confirmed"
    page.screenshot(path=artifacts_dir / "volunteer-signed-up.png", full_page=True)
    assert browser_page.console_errors == [] and browser_page.outside_requests == []
