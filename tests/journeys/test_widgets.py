"""An organization's staff put its opportunities on their own website: they find the page from
theirs, choose a small map, see the preview, copy the code; a page on another site (another
origin, as a partner's would be) shows the widget with the organization's opportunities."""

import functools
import http.server
import threading

import pytest
from playwright.sync_api import expect

from opportunities.models import Opportunity
from places.models import Membership, Organization
from tests.factories import UserFactory
from tests.journeys.test_organizations_and_coordinators import log_in

pytestmark = [pytest.mark.browser, pytest.mark.journey]


@pytest.fixture
def partner_site(tmp_path):
    """A website of its own on another origin: (folder it serves, its address)."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield tmp_path, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_staff_put_their_opportunities_on_their_website(demo_world, journey, partner_site):
    organization = Organization.objects.get(name_th="ชมรมจิตอาสาริมปิง")
    titles = list(
        Opportunity.objects.published()
        .filter(organization=organization)
        .values_list("title", flat=True)
    )
    assert titles
    staff = UserFactory(username="fon@example.org", email="fon@example.org")
    Membership.objects.create(user=staff, organization=organization)

    person = journey.opens("/")
    page = person.page
    log_in(person, staff.email)
    page.locator("footer").get_by_role("link", name="จัดการองค์กรของฉัน").click()
    person.clicks("link", "นำงานอาสาไปแสดงบนเว็บไซต์ของคุณ")
    preview = page.frame_locator("iframe[title='ตัวอย่างวิดเจ็ต']")
    for title in titles:
        expect(preview.get_by_role("link", name=title)).to_be_visible()
    person.step("the widget page and its preview")

    person.field("แสดง").select_option(label="แผนที่ขนาดเล็กและรายการ")
    person.clicks("button", "แสดงโค้ดและตัวอย่าง")
    expect(preview.locator(".leaflet-interactive").first).to_be_visible()  # its pins
    person.clicks("button", "คัดลอกโค้ด")
    person.sees("คัดลอกแล้ว", exact=False)
    code = page.locator("#widget-code").input_value()
    assert code.startswith("<iframe src=") and "view=map" in code
    person.step("a small map, copied")
    person.no_errors()

    # The partner pastes it into its own website, on another origin.
    folder, site = partner_site
    (folder / "index.html").write_text(
        '<!DOCTYPE html><html lang="th"><meta charset="utf-8"><title>ชมรมจิตอาสาริมปิง</title>'
        f"<h1>ร่วมงานกับเรา</h1>{code}</html>",
        encoding="utf-8",
    )
    visitor = journey.another("partner-site")
    visitor.allowed.append(site)
    visitor.page.goto(site + "/")  # the partner's website: the start of this part
    widget = visitor.page.frame_locator("iframe")
    for title in titles:
        expect(widget.get_by_role("link", name=title)).to_be_visible()
    expect(widget.locator(".leaflet-interactive").first).to_be_visible()
    expect(widget.get_by_text("CC BY-NC-SA 3.0 TH")).to_be_visible()
    visitor.step("the widget on the partner's website")
    assert visitor.context.cookies() == []  # the widget set none
    visitor.no_errors()
