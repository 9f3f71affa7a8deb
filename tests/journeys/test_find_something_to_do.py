"""A newcomer looks for something to do: browses the map to one opportunity, searches near the
places people type first (a province, a district, a postal code, an address, a name that several
places share), filters and goes back, and uses the list without a map."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.journey]

RESULT_LINKS = "#results li a"
THAI_FONT = re.compile(r'^"Noto Sans Thai"')  # the site's own font, not tofu


def results(person):
    return person.page.locator(RESULT_LINKS)


def cluster_in_view(page):
    """A cluster a person can see: its middle inside the map (Leaflet keeps markers a little
    beyond the edges, where the header covers them)."""
    area = page.locator(".leaflet-container").bounding_box()
    for cluster in page.locator(".leaflet-marker-icon.cluster").all():
        box = cluster.bounding_box()
        if box is None:
            continue
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        if area["x"] < x < area["x"] + area["width"] and area["y"] < y < area["y"] + area["height"]:
            return cluster
    raise AssertionError("no cluster inside the map")


def test_browse_the_map_to_one_opportunity_and_open_it(demo_world, journey):
    person = journey.opens("/")
    person.sees("ค้นหางานอาสาใกล้").step("the map of Thailand")
    page = person.page
    expect(page.locator(".leaflet-marker-icon.cluster").first).to_be_visible()
    expect(page).to_have_url(person.base + "/")  # loading the map adds no step to go back through
    size = page.viewport_size  # turned sideways and back: the same view, the same address
    page.set_viewport_size({"width": size["height"], "height": size["width"]})
    if size["height"] > size["width"]:  # a phone: sideways, the map is beside the search
        expect(page.locator(".leaflet-container")).to_be_in_viewport(ratio=0.9)
        expect(page.locator("#near-q")).to_be_in_viewport()
        person.step("turned sideways")
    page.set_viewport_size(size)
    page.wait_for_timeout(500)  # Leaflet tells of a resize's move 200 ms after it: an absence
    expect(page.locator(".leaflet-marker-icon.cluster").first).to_be_visible()
    expect(page).to_have_url(person.base + "/")
    expect(page.locator(".leaflet-container")).to_have_css("font-family", THAI_FONT)
    # Leaflet's scale bar and the base map's credit in Thai too.
    expect(page.locator(".leaflet-control-scale")).to_have_text(re.compile(r"^\d+ (กม|ม)\.$"))
    expect(page.locator(".leaflet-control-attribution")).to_contain_text("ผู้ร่วมสร้าง OpenStreetMap")
    # Click a cluster until it opens into a list or points, as a person would: its label says
    # whether it zooms in or lists what it holds.
    container = page.locator(".leaflet-container")
    for _ in range(10):
        if page.locator("path.point").count():
            page.locator("path.point").first.click(force=True)
            break
        cluster = cluster_in_view(page)
        zooms = "ซูมเข้า" in cluster.get_attribute("title")
        drawn_for = container.get_attribute("data-zoom")
        cluster.click()
        if not zooms:
            break
        expect(container).not_to_have_attribute("data-zoom", drawn_for)  # redrawn, closer
    expect(page.locator(".leaflet-popup")).to_have_count(1)  # one, the one asked for
    popup = page.locator(".leaflet-popup-content")
    expect(popup).to_be_visible()
    expect(popup).to_have_css("font-family", THAI_FONT)  # Thai in the site's own font
    expect(page.locator(".leaflet-popup")).to_have_css("opacity", "1")  # faded in, as seen
    person.step("a popup")
    title = popup.locator("a").first.inner_text()
    popup.locator("a").first.click()
    expect(page.locator("h1")).to_be_visible()
    person.step("the opportunity")
    if title not in ("รายละเอียดและสมัคร",):
        expect(page.locator("h1")).to_have_text(title)
    person.sees("รอบการทำงาน")
    person.clicks("button", "แชร์", exact=True)
    expect(page.get_by_role("status").filter(has_text="คัดลอก")).to_have_text("คัดลอกลิงก์แล้ว")
    person.step("the link copied")
    person.no_errors()


@pytest.mark.parametrize(
    "typed, place_shown",
    [
        ("เชียงใหม่", "จ.เชียงใหม่"),  # a province by its bare name
        ("หาดใหญ่", "อ.หาดใหญ่"),  # a district
        ("10110", "รหัสไปรษณีย์ 10110"),  # a postal code
        ("ต.สุเทพ อ.เมืองเชียงใหม่ จ.เชียงใหม่ 50200", "ต.สุเทพ"),  # a full address
        ("12/3หมู่5สุเทพเมืองเชียงใหม่เชียงใหม่50200", "ต.สุเทพ"),  # run together
        ("suthepmueangchiangmaichiangmai", "ต.สุเทพ"),  # romanised, typed on a phone
        ("พัทยา", "อ.บางละมุง"),  # a town that is no district's name
    ],
)
def test_search_near_what_people_type(demo_world, journey, typed, place_shown):
    person = journey.opens("/")
    person.types("ค้นหางานอาสาใกล้", typed)
    person.step("typed the place")
    person.clicks("button", "ค้นหา", exact=True)
    expect(person.page.locator("#results-heading")).to_contain_text(place_shown)
    expect(person.page.locator("#near-message")).to_contain_text("พบ")
    expect(results(person).first).to_be_visible()
    distances = re.findall(r"ห่าง ([\d.]+) กม\.", person.page.locator("#results").inner_text())
    assert distances and [float(d) for d in distances] == sorted(float(d) for d in distances)
    assert all(float(d) <= 10 for d in distances)
    person.step("the nearest first")
    person.no_errors()


def test_a_shared_name_answers_the_likely_place_and_offers_the_others(demo_world, journey):
    person = journey.opens("/")
    person.types("ค้นหางานอาสาใกล้", "เชียงใหม่")
    person.clicks("button", "ค้นหา", exact=True)
    person.sees("หรือคุณหมายถึง:")
    other = person.page.get_by_role("button", name="ต.เชียงใหม่ อ.โพธิ์ชัย จ.ร้อยเอ็ด")
    expect(other).to_be_visible()
    offered = person.page.locator("#candidates li")
    expect(offered.filter(has=other)).to_contain_text("อีกแห่งที่ใช้ชื่อเดียวกัน")
    expect(offered.first).to_contain_text("อ.เมืองเชียงใหม่ จ.เชียงใหม่")
    expect(offered.first).to_contain_text("อำเภอเมืองของจังหวัด")
    person.step("the province, its capital and the tambon of the same name offered, with why")
    person.clicks("button", "อ.เมืองเชียงใหม่ จ.เชียงใหม่")
    expect(person.page.locator("#results-heading")).to_contain_text("อ.เมืองเชียงใหม่")
    expect(results(person).first).to_be_visible()
    person.step("near the city instead")

    # A name that only tambons share: the person chooses.
    person.types("ค้นหางานอาสาใกล้", "ในเมือง")
    person.clicks("button", "ค้นหา", exact=True)
    person.sees("คุณหมายถึงที่ไหน?")
    expect(person.page.locator("#results")).to_contain_text("คุณหมายถึงที่ไหน?")
    expect(person.page.locator("#candidates .why")).to_have_count(0)  # all share the name
    expect(person.page.locator("path.leaflet-interactive")).to_have_count(0)  # no stale circle
    person.step("which one?")
    person.clicks("button", "ต.ในเมือง อ.เมืองอุบลราชธานี จ.อุบลราชธานี")
    expect(person.page.locator("#results-heading")).to_contain_text("อุบลราชธานี")
    expect(results(person).first).to_be_visible()
    person.step("near the chosen one")

    # A wider circle, kept in the address of the page.
    person.page.get_by_label("ภายในระยะ").select_option("50")
    expect(person.page.locator("#results-heading")).to_contain_text("50 กม.")
    expect(person.page).to_have_url(re.compile(r"r=50"))
    expect(results(person).first).to_be_visible()
    person.step("within 50 km")

    # Nonsense: said in Thai, and nothing of the last search stays on screen.
    person.types("ค้นหางานอาสาใกล้", "asdfghjkl")
    person.clicks("button", "ค้นหา", exact=True)
    person.sees("“asdfghjkl”: ไม่พบชื่อสถานที่ในประเทศไทย")
    expect(results(person)).to_have_count(0)
    expect(person.page.locator("path.leaflet-interactive")).to_have_count(0)
    person.step("nothing found, and said so")
    person.no_errors()


def test_from_my_tambon_the_opportunity_in_it_is_near(demo_world, journey):
    """A Khlong Toei home finds the Khlong Toei homework club in Khlong Toei, not kilometres
    away at Bangkok's point: the demo is placed at tambon points inside their tambons."""
    person = journey.opens("/")
    person.types("ค้นหางานอาสาใกล้", "แขวงคลองเตย เขตคลองเตย กรุงเทพฯ")
    person.clicks("button", "ค้นหา", exact=True)
    expect(person.page.locator("#results-heading")).to_contain_text("แขวงคลองเตย")
    club = person.page.locator("#results li").filter(has_text="ติวการบ้านเด็กคลองเตย")
    expect(club).to_contain_text("ห่าง")
    distance = re.search(r"ห่าง ([\d.]+) กม\.", club.inner_text())
    assert distance and float(distance[1]) < 1, club.inner_text()
    person.step("the club in my tambon, next to me")
    person.no_errors()


def test_filter_then_undo_with_back(demo_world, journey):
    person = journey.opens("/")
    page = person.page
    expect(results(person).first).to_be_visible()
    before = results(person).count()
    person.opens_filters()
    page.get_by_label("สัตว์", exact=True).check()
    expect(page.locator("#results")).to_contain_text("พาน้องหมาเดินเล่น")
    expect(results(person)).to_have_count(2)
    person.sees("(1)")
    person.step("only animals")
    page.go_back()
    expect(page.get_by_label("สัตว์", exact=True)).not_to_be_checked()
    expect(results(person)).to_have_count(before)
    person.step("back to everything")

    # Words: the map's points are what the words find, as the list is; two letters say how.
    from opportunities.models import Opportunity

    located = Opportunity.objects.published().exclude(location=None)
    page.get_by_label("คำในชื่อหรือรายละเอียดงาน").fill("สอ")
    expect(page.locator("#results-notice")).to_contain_text("คำที่สั้นกว่า 3 ตัวอักษร")
    expect(page.locator(".leaflet-container")).to_have_attribute(
        "data-total", str(located.search("สอ").count())
    )
    assert 0 < located.search("สอ").count() < located.count()
    person.step("two letters on the map")
    page.get_by_label("คำในชื่อหรือรายละเอียดงาน").fill("")
    expect(page.locator("#results-notice")).to_be_hidden()
    expect(page.locator(".leaflet-container")).to_have_attribute("data-total", str(located.count()))

    # Dates that cannot be: said in words, the list does not pretend.
    page.get_by_label("ตั้งแต่").fill("2027-02-01")
    page.get_by_label("ถึง", exact=True).fill("2027-01-01")
    expect(page.locator("#filter-message")).to_have_text("วันสิ้นสุดอยู่ก่อนวันเริ่มต้น")
    expect(results(person)).to_have_count(0)
    person.step("reversed dates")
    person.no_errors()


def test_clearing_the_filters_brings_back_everything_near_the_place(demo_world, journey):
    person = journey.opens("/")
    page = person.page
    person.types("ค้นหางานอาสาใกล้", "เชียงใหม่")
    person.clicks("button", "ค้นหา", exact=True)
    expect(page.locator("#near-message")).to_contain_text("พบ")
    near = results(person).count()
    assert near > 1
    expect(page.locator("#near-message")).to_contain_text(f"พบ {near} งาน")
    person.opens_filters()
    page.get_by_label("ผู้สูงอายุ", exact=True).check()
    expect(results(person)).to_have_count(1)
    expect(page.locator("#results")).to_contain_text("ดูแลผู้สูงอายุในวัด")
    person.step("only the elderly near the city")
    person.clicks("button", "ล้างตัวกรอง")
    expect(page.get_by_label("ผู้สูงอายุ", exact=True)).not_to_be_checked()
    expect(results(person)).to_have_count(near)
    expect(page.locator("#near-message")).to_contain_text(f"พบ {near} งาน")
    person.step("filters cleared, everything near the city again")
    person.no_errors()


def test_a_search_stays_while_a_date_is_typed_and_back_undoes_one_step_at_a_time(
    demo_world, journey
):
    person = journey.opens("/")
    page = person.page
    person.types("ค้นหางานอาสาใกล้", "เชียงใหม่")
    person.clicks("button", "ค้นหา", exact=True)
    expect(page.locator("#results-heading")).to_contain_text("จ.เชียงใหม่")
    person.opens_filters()
    # Digit by digit, as a person types (a valid day in either order of day and month): the
    # year passes through 0002, 0020 and 0202 on its way to 2027.
    page.get_by_label("ตั้งแต่").click(position={"x": 14, "y": 12})  # its first part
    page.keyboard.type("05062027")
    expect(page).to_have_url(re.compile(r"date_from=2027-0"))
    expect(page).to_have_url(re.compile(r"near="))  # the search is still in the address too
    expect(page.locator("#results-heading")).to_contain_text("จ.เชียงใหม่")
    expect(page.locator("#filter-message")).to_be_empty()
    person.step("a date typed, the search kept")
    page.go_back()  # the date undone, the search still there
    expect(page.get_by_label("ตั้งแต่")).to_have_value("")
    expect(page.locator("#results-heading")).to_contain_text("จ.เชียงใหม่")
    page.go_back()  # and then the search
    expect(page.locator("#near-q")).to_have_value("")
    expect(page).not_to_have_url(re.compile(r"near="))
    person.step("back before the search")
    person.no_errors()


def test_what_is_typed_while_the_map_loads_is_kept(demo_world, journey):
    person = journey.opens("/")
    page = person.page
    expect(results(person).first).to_be_visible()
    person.clicks("link", "ทำเนียบองค์กร")
    with person.on_a_slow_connection():
        page.get_by_role("link", name="แผนที่ทำดี").click()
        person.types("ค้นหางานอาสาใกล้", "เชียงใหม่")
        person.opens_filters()
        page.get_by_label("ผู้สูงอายุ", exact=True).check()
        expect(results(person)).to_have_count(0)  # nothing listed yet: the map is still loading
        person.step("typed before the map loaded", loading=True)
    # The map has loaded: the place and the cause are still there, and the filter applies.
    expect(page.locator("#results")).to_contain_text("ดูแลผู้สูงอายุในวัด")
    assert results(person).count() > 1  # across Thailand, until the search is sent
    expect(page.locator("#near-q")).to_have_value("เชียงใหม่")
    expect(page.get_by_label("ผู้สูงอายุ", exact=True)).to_be_checked()
    person.sees("(1)")
    expect(page).to_have_url(re.compile(r"cause=elderly"))
    person.clicks("button", "ค้นหา", exact=True)
    expect(page.locator("#results-heading")).to_contain_text("จ.เชียงใหม่")
    expect(page.locator("#near-message")).to_contain_text("พบ 1 งาน")
    expect(results(person)).to_have_count(1)
    expect(page.locator("#results")).to_contain_text("ดูแลผู้สูงอายุในวัด")
    person.step("the map loaded, the search sent")
    person.no_errors()


def test_the_list_without_a_map(demo_world, journey):
    person = journey.opens("/")
    person.clicks("link", "ดูเป็นรายการ")
    page = person.page
    expect(page.locator("h1")).to_have_text("งานอาสาสมัคร")
    expect(page.locator("ol.results li a").first).to_be_visible()
    expect(page.locator(".leaflet-container")).to_have_count(0)
    person.step("the list")
    # More than a page: the next one goes on where this one stopped, and the way back is there.
    from opportunities.models import Opportunity

    listed = Opportunity.objects.published().count()
    assert listed > 20
    titles = page.locator("ol.results li > a")
    expect(titles).to_have_count(20)
    first = titles.all_inner_texts()
    person.clicks("link", "ถัดไป")
    expect(titles).to_have_count(listed - 20)
    expect(page.locator("ol.results")).to_have_attribute("start", "21")  # numbered on from 21
    assert not set(titles.all_inner_texts()) & set(first)
    expect(page.get_by_role("link", name="ถัดไป")).to_have_count(0)
    person.step("the next page")
    person.clicks("link", "หน้าแรก")
    expect(titles).to_have_count(20)
    assert titles.all_inner_texts() == first
    # Words alone, no place: the distance box has its value, but searches nothing until a place.
    words = page.get_by_label("คำในชื่อหรือรายละเอียดงาน")
    words.fill("สอน")
    person.clicks("button", "ค้นหา", exact=True)
    expect(page.get_by_role("alert")).to_have_count(0)
    expect(titles.first).to_be_visible()
    teaching = Opportunity.objects.published().search("สอน")
    assert sorted(titles.all_inner_texts()) == sorted(o.title for o in teaching)
    assert len(teaching) < listed  # a search, not everything
    expect(words).to_have_value("สอน")
    person.step("words alone")
    # Two letters have no trigram: looked for among the newest, newest first, and said so.
    words.fill("สอ")
    person.clicks("button", "ค้นหา", exact=True)
    person.sees("คำที่สั้นกว่า 3 ตัวอักษรจะค้นเฉพาะในงานอาสา 10,000 งานล่าสุด")
    expect(titles.first).to_be_visible()
    newest = Opportunity.objects.published().search("สอ").newest_first()
    assert titles.all_inner_texts() == [o.title for o in newest][:20]
    person.step("two letters")
    words.fill("")
    # Family-friendly, as on the map: only those listed, and the box stays ticked.
    family = page.get_by_label("เหมาะกับครอบครัว")
    family.check()
    person.clicks("button", "ค้นหา", exact=True)
    friendly = {o.title for o in Opportunity.objects.published().filter(family_friendly=True)}
    assert 0 < len(friendly) < min(listed, 20)
    expect(titles).to_have_count(len(friendly))
    assert set(titles.all_inner_texts()) == friendly
    expect(family).to_be_checked()
    person.step("family-friendly")
    family.uncheck()
    page.get_by_label("ใกล้ (จังหวัด อำเภอ ตำบล รหัสไปรษณีย์ หรือที่อยู่)").fill("ขอนแก่น")
    person.clicks("button", "ค้นหา", exact=True)
    person.sees("ใกล้ที่สุดก่อน ภายใน 10 กม. จาก จ.ขอนแก่น")
    person.step("near Khon Kaen")
    # Back: the form shows the search of the page gone back to, not what was typed on it since.
    page.go_back()
    expect(page.get_by_label("ใกล้ (จังหวัด อำเภอ ตำบล รหัสไปรษณีย์ หรือที่อยู่)")).to_have_value("")
    expect(family).to_be_checked()
    expect(titles).to_have_count(len(friendly))
    person.step("back to the family-friendly ones")
    page.go_forward()
    person.sees("ใกล้ที่สุดก่อน ภายใน 10 กม. จาก จ.ขอนแก่น")
    expect(page.get_by_label("ใกล้ (จังหวัด อำเภอ ตำบล รหัสไปรษณีย์ หรือที่อยู่)")).to_have_value("ขอนแก่น")
    page.get_by_label("ใกล้ (จังหวัด อำเภอ ตำบล รหัสไปรษณีย์ หรือที่อยู่)").fill("zzzz")
    person.clicks("button", "ค้นหา", exact=True)
    expect(page.get_by_role("alert")).to_contain_text("ไม่พบ “zzzz”")
    expect(page.locator("ol.results li")).to_have_count(0)  # not the whole country instead
    person.step("a place it cannot find")
    # A name several tambons share: the list offers them.
    page.get_by_label("ใกล้ (จังหวัด อำเภอ ตำบล รหัสไปรษณีย์ หรือที่อยู่)").fill("ในเมือง")
    person.clicks("button", "ค้นหา", exact=True)
    person.sees("คุณหมายถึงที่ไหน?")
    person.step("which one?")
    person.clicks("link", "ต.ในเมือง อ.เมืองขอนแก่น จ.ขอนแก่น")
    person.sees("ใกล้ที่สุดก่อน ภายใน 10 กม. จาก ต.ในเมือง อ.เมืองขอนแก่น จ.ขอนแก่น")
    expect(page.locator("ol.results li a").first).to_be_visible()
    listed_km = re.findall(r"([\d.]+) กม\.", page.locator("ol.results").inner_text())
    assert listed_km
    person.step("near the one chosen")
    # The same search on the map, the same distances to the same tenth of a kilometre.
    person.clicks("link", "แสดงแผนที่")
    expect(page.locator("#results-heading")).to_contain_text("อ.เมืองขอนแก่น")
    expect(page.locator("#near-q")).to_have_value("ต.ในเมือง อ.เมืองขอนแก่น จ.ขอนแก่น")
    expect(results(person)).to_have_count(len(listed_km))
    assert re.findall(r"([\d.]+) กม\.", page.locator("#results").inner_text()) == listed_km
    person.step("on the map")
    page.locator("#results li a").first.click()
    expect(page.locator("h1")).to_be_visible()
    person.no_errors()


def test_clusters_never_cover_one_another(demo_world, journey):
    from opportunities.models import Opportunity

    published = Opportunity.objects.published().exclude(location=None).count()
    person = journey.opens("/")
    clusters = person.page.locator(".leaflet-marker-icon.cluster")
    expect(clusters.first).to_be_visible()
    # The whole map drawn (every tile in view), as the person sees it settle, before measuring.
    expect(person.page.locator(".leaflet-container")).to_have_attribute(
        "data-total", str(published)
    )
    boxes = [clusters.nth(i).bounding_box() for i in range(clusters.count())]
    for i, a in enumerate(boxes):
        assert a["width"] >= 24 and a["height"] >= 24  # WCAG 2.2 target size
        for b in boxes[i + 1 :]:
            apart = (
                a["x"] + a["width"] <= b["x"]
                or b["x"] + b["width"] <= a["x"]
                or a["y"] + a["height"] <= b["y"]
                or b["y"] + b["height"] <= a["y"]
            )
            assert apart, f"clusters overlap: {a} {b}"
    # And together they count every published opportunity that has a place.
    shown = sum(int(clusters.nth(i).inner_text().replace(",", "")) for i in range(clusters.count()))
    assert shown == published
    person.step("clusters apart")


def test_in_disaster_mode_the_map_opens_on_the_affected_area(demo_world, journey):
    from django.contrib.gis.geos import MultiPolygon, Polygon

    from tests.factories import IncidentFactory

    ubon = Polygon.from_bbox((104.7, 15.1, 105.0, 15.4))
    IncidentFactory(
        name="น้ำท่วมอุบลราชธานี", disaster_mode=True, affected_area=MultiPolygon(ubon, srid=4326)
    )
    person = journey.opens("/")
    banner = person.page.get_by_role("region", name="การรับมือภัยพิบัติ")
    expect(banner).to_contain_text("น้ำท่วมอุบลราชธานี")
    # The view moves to the area (its zoom shows in the address), and stays there.
    expect(person.page).to_have_url(re.compile(r"z=(9|1\d)"))
    person.step("the affected area")
    banner.get_by_role("link").click()
    expect(person.page.locator("h1")).to_have_text("งานอาสาสมัคร")
    person.step("how to help now")
    person.no_errors()
