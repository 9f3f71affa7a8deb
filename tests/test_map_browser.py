"""The public map in headless Chromium (Debian's, through Playwright): clusters, zooming into a
cluster, filters in the URL and the back button, searching near an address, the list without a
map, English; no console errors and no request leaves this machine. Screenshots are saved."""

import re

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from opportunities import demo, tiles
from opportunities.models import Opportunity
from tests.conftest import wait_until

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TOTAL_ON_MAP = """() => {
    const clusters = [...document.querySelectorAll('.cluster span')]
        .reduce((sum, el) => sum + parseInt(el.textContent.replace(/,/g, ''), 10), 0);
    return clusters + document.querySelectorAll('path.point').length;
}"""


@pytest.fixture
def demo_map():
    demo.load()
    for layer in tiles.LAYERS:
        tiles.rebuild_pyramid(layer)
    return Opportunity.objects.published().exclude(location=None).count()


def open_map(browser_page, live_server, path="/"):
    page = browser_page.page
    page.goto(live_server.url + path)
    wait_until(
        page,
        "window.volmap && window.volmap.map && document.querySelector('#map').dataset.markers > 0",
    )
    return page


def settle(page):
    page.wait_for_timeout(400)
    page.wait_for_load_state("networkidle")


def test_map_shows_every_published_opportunity_in_clusters(
    browser_page, live_server, demo_map, artifacts_dir
):
    page = open_map(browser_page, live_server)
    assert page.locator(".cluster").count() > 0
    assert page.evaluate(TOTAL_ON_MAP) == demo_map
    page.wait_for_selector("#results li a")
    page.screenshot(path=artifacts_dir / "map-clusters.png")
    assert browser_page.console_errors == [] and browser_page.outside_requests == []


def test_clicking_a_cluster_zooms_in_and_splits_it(
    browser_page, live_server, demo_map, artifacts_dir
):
    page = open_map(browser_page, live_server, "/?lat=13.75&lon=100.55&z=9")
    settle(page)
    for _ in range(8):  # each click zooms in two levels, until the cluster opens into points
        zoom = page.evaluate("window.volmap.map.getZoom()")
        if page.locator("path.point").count():
            break
        try:  # a tile arriving may redraw the marker under the click: then click again
            page.locator(".cluster").first.click(timeout=5000)
            wait_until(page, f"window.volmap.map.getZoom() > {zoom}", timeout=5000)
        except (PlaywrightTimeout, AssertionError):
            continue
        finally:
            settle(page)
    assert page.locator("path.point").count() > 0
    page.locator("path.point").first.click(force=True)
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert "/opportunities/" in popup.locator("a").get_attribute("href")
    page.screenshot(path=artifacts_dir / "map-zoomed.png")
    assert browser_page.console_errors == []


def test_a_filter_changes_the_map_and_the_url_and_back_undoes_it(
    browser_page, live_server, demo_map, artifacts_dir
):
    page = open_map(browser_page, live_server)
    animals = (
        Opportunity.objects.published()
        .filter(causes__contains=["animals"])
        .exclude(location=None)
        .count()
    )
    assert 0 < animals < demo_map
    page.check("input[name=cause][value=animals]")
    wait_until(page, f"({TOTAL_ON_MAP})() === {animals}")
    assert "cause=animals" in page.url
    page.screenshot(path=artifacts_dir / "map-filtered.png")
    page.go_back()
    wait_until(page, f"({TOTAL_ON_MAP})() === {demo_map}")
    assert "cause=animals" not in page.url
    assert not page.is_checked("input[name=cause][value=animals]")
    assert browser_page.console_errors == []


def test_searching_an_address_recentres_and_lists_the_nearest(
    browser_page, live_server, demo_map, artifacts_dir
):
    page = open_map(browser_page, live_server)
    page.fill("#near-q", "ต.สุเทพ อ.เมือง จ.เชียงใหม่")
    page.click("#near button[type=submit]")
    wait_until(page, r"/\d (km|กม)/.test(document.querySelector('#results').textContent)")
    centre = page.evaluate("window.volmap.map.getCenter()")
    assert abs(centre["lat"] - 18.79) < 0.3 and abs(centre["lng"] - 98.95) < 0.3
    distances = [float(m) for m in re.findall(r"([\d.]+) (?:km|กม)", page.inner_text("#results"))]
    assert distances and distances == sorted(distances) and distances[-1] <= 10
    assert "q=" in page.url
    page.screenshot(path=artifacts_dir / "map-near.png")
    assert browser_page.console_errors == []
    page.fill("#near-q", "asdfghjkl")
    page.click("#near button[type=submit]")
    wait_until(page, "document.querySelector('#near-message').textContent.includes('asdfghjkl')")
    # The API's 400 for a place it cannot find is the only complaint, and the page says why.
    assert [e for e in browser_page.console_errors if "400" not in e] == []


def test_the_list_works_without_the_map(browser_page, live_server, demo_map, artifacts_dir):
    page = browser_page.page
    loaded = []
    page.on("request", lambda request: loaded.append(request.url))
    page.goto(live_server.url + "/opportunities/?near=50200")
    assert page.locator("ol.results li a").count() > 0
    assert not [url for url in loaded if "leaflet" in url], "the list page loaded the map"
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.tagName") in ("A", "INPUT", "SELECT", "BUTTON")
    page.screenshot(path=artifacts_dir / "list-only.png", full_page=True)
    assert browser_page.console_errors == []


def test_english_is_one_click_away(browser_page, live_server, demo_map, artifacts_dir):
    page = open_map(browser_page, live_server)
    assert page.get_attribute("html", "lang") == "th"
    page.click("header form.language button")
    page.wait_for_url(re.compile(r"/en/"))
    wait_until(
        page, "document.querySelector('#map') && document.querySelector('#map').dataset.markers > 0"
    )
    assert page.get_attribute("html", "lang") == "en"
    assert "Opportunities in this area" in page.inner_text("body") and "Search" in page.inner_text(
        "#near"
    )
    page.screenshot(path=artifacts_dir / "map-english.png")
    assert browser_page.console_errors == []
