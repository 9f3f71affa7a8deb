"""Someone looks for an organization doing what they care about: from the home page to the
directory, by a word of its name, by type and province, by distance from a place they type; they
open one and see its opportunities and how far the network trusts it."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.journey]


def results(page):
    return page.locator("ol.results > li > a")


def test_someone_finds_an_organization_by_name_type_province_and_distance(demo_world, journey):
    from places.models import Organization

    assert Organization.objects.published().count() > 20  # more than a page
    person = journey.opens("/")
    page = person.page

    page.get_by_role("link", name="ทำเนียบองค์กร").click()
    expect(page.locator("h1")).to_have_text("ทำเนียบองค์กร")
    expect(page.get_by_role("link", name="ถัดไป")).to_be_visible()
    person.step("the directory, by name in Thai order")
    names = results(page).all_inner_texts()
    assert len(names) == 20 and names[:2] == ["กลุ่มซอโซ่อาสา", "กลุ่มเยาวชนรักษ์ป่าน่าน"]
    # Thai dictionary order: a leading vowel is read after its consonant (เครือข่าย under ค,
    # before ชมรม; โรงพยาบาล under ร), not where its code point would put it.
    assert names.index("เครือข่ายพุทธิกา") < names.index("ชมรมจิตอาสาริมปิง")
    assert names[-1] == "โรงพยาบาลส่งเสริมสุขภาพตำบลปากช่อง"

    # A word inside a name, without the prefix it is registered with.
    person.field("ชื่อ").fill("เด็กดอย")
    person.clicks("button", "ค้นหา", exact=True)
    expect(results(page)).to_have_text(["มูลนิธิเด็กดอยเชียงราย"])
    person.sees("มูลนิธิ · เชียงราย", exact=False)
    person.step("found by a word of its name")

    # By type and province: choosing the province brings its districts.
    person.field("ชื่อ").fill("")
    person.field("ประเภท").select_option(label="องค์กรศาสนา (วัด มัสยิด โบสถ์)")
    person.field("จังหวัด").select_option(label="เชียงใหม่")
    expect(person.field("อำเภอ / เขต")).to_be_visible()
    person.clicks("button", "ค้นหา", exact=True)
    expect(results(page)).to_have_text(["วัดป่าสันติธรรม"])
    expect(person.field("ประเภท")).to_have_value("religious")  # the choices stay
    person.step("by type and province")

    # By distance from a place typed, nearest first, with the distance of each.
    person.field("ประเภท").select_option("")
    person.field("จังหวัด").select_option("")
    person.field("ใกล้ (จังหวัด อำเภอ ตำบล รหัสไปรษณีย์ หรือที่อยู่)").fill("ลำพูน")
    person.field("ภายในระยะ").select_option(label="50 กม.")
    person.field("เรียงตาม").select_option(label="ระยะทาง (ใกล้ที่สุดก่อน)")
    person.clicks("button", "ค้นหา", exact=True)
    person.sees("ภายใน 50 กม. จาก", exact=False)
    items = page.locator("ol.results > li").all_inner_texts()
    assert [re.search(r"^(\S+)", item)[1] for item in items] == [
        "ชมรมจิตอาสาริมปิง",
        "วัดป่าสันติธรรม",
    ], items
    distances = [float(re.search(r"([\d.]+) กม\.", item)[1]) for item in items]
    assert distances == sorted(distances) and distances[-1] <= 50
    person.step("nearest first from a typed place")

    # An organization's page: its opportunities and its trust.
    results(page).last.click()
    expect(page.locator("h1")).to_contain_text("วัดป่าสันติธรรม")
    person.sees("ความน่าเชื่อถือ: ยืนยันโดยผู้ดูแลเครือข่ายแล้ว")
    expect(page.locator("article.detail ul li a").first).to_be_visible()
    person.step("the organization, its opportunities and trust")
    person.no_errors()


def test_someone_shows_organizations_on_the_map_and_opens_one(demo_world, journey):
    from places.models import Organization

    on_map = Organization.objects.published().exclude(location=None)
    person = journey.opens("/")
    page = person.page
    container = page.locator(".leaflet-container")
    expect(container).to_have_attribute("data-total", re.compile(r"^[1-9]"))

    # Organizations beside the opportunities, then alone.
    page.get_by_label("องค์กร", exact=True).check()
    expect(container).to_have_attribute("data-organizations", str(on_map.count()))
    page.get_by_label("งานอาสาสมัคร", exact=True).uncheck()
    expect(container).to_have_attribute("data-total", "0")
    expect(page.locator(".org-point, .cluster.org").first).to_be_visible()
    person.step("organizations alone on the map")

    # Near a place, an organization's square opens to its page.
    person.types("ค้นหางานอาสาใกล้", "เชียงใหม่")
    person.clicks("button", "ค้นหา", exact=True)
    # A square is an organization, or a few together (their number on it): either opens them;
    # a larger number zooms in.
    square = (
        page.locator(".org-point, .cluster.org")
        .filter(has_text=re.compile(r"^\s*[1-5]?\s*$"))
        .first
    )
    expect(square).to_be_visible()
    square.click()
    popup = page.locator(".leaflet-popup-content")
    expect(popup).to_be_visible()
    # Leaflet's own buttons in Thai too, as a screen reader reads them.
    expect(page.get_by_role("button", name="ปิดหน้าต่างนี้")).to_be_visible()
    expect(page.get_by_role("button", name="ขยายแผนที่")).to_be_visible()
    expect(page.locator(".leaflet-popup")).to_have_css("opacity", "1")  # faded in, as seen
    person.step("an organization's popup")
    name = popup.locator("a").first.inner_text()
    popup.locator("a").first.click()
    expect(page.locator("h1")).to_contain_text(name)
    person.sees("ความน่าเชื่อถือ:", exact=False)
    person.step("the organization opened from the map")

    # Back on the map, the layers chosen are still the ones shown, and the list beside the map
    # is of organizations.
    page.go_back()
    expect(page.get_by_label("องค์กร", exact=True)).to_be_checked()
    expect(page.get_by_label("งานอาสาสมัคร", exact=True)).not_to_be_checked()

    # Many organizations at one place (the demo's partners in Bangkok): however far one zooms,
    # the square opens as a list of all of them.
    in_bangkok = on_map.filter(area_id="10").count()
    assert in_bangkok > 5
    person.types("ค้นหางานอาสาใกล้", "กรุงเทพมหานคร")
    person.clicks("button", "ค้นหา", exact=True)
    person.sees("กม. จาก กรุงเทพมหานคร", exact=False)
    popup = page.locator(".leaflet-popup-content")
    stack = page.locator(".cluster.org").filter(has_text=re.compile(r"^\s*([89]|\d\d)\s*$"))
    shown = 0
    for _ in range(8):  # each click zooms in, until no zoom is left: then it lists
        expect(stack.first).to_be_visible()
        shown = int(stack.first.inner_text())
        stack.first.click()
        page.wait_for_timeout(1000)
        if popup.count():
            break
    assert shown >= in_bangkok
    expect(popup.locator("li")).to_have_count(shown)
    expect(page.locator(".leaflet-popup")).to_have_css("opacity", "1")
    person.step("many organizations at one place, listed")
    person.no_errors()
