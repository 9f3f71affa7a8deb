"""An organization registers, waits for a moderator, hears of the decision by e-mail, posts an
opportunity with shifts and a pin it drags, edits its dates in Thai without losing them, and hears
of its volunteers; a moderator approves from the admin with the map showing; a coordinator
declares an incident over open needs, attaches them, sees them at the default level, assigns one.

E-mails to organizations go out when the scheduler runs `send_notifications`; the journeys run it
where the minute would pass (`sending.send_due()`), never in place of a click."""

import json
import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.contrib.gis.geos import Point
from django.utils import timezone
from playwright.sync_api import expect

from needs.models import Need
from notifications import sending
from opportunities.models import Opportunity
from places.models import Organization
from tests.factories import (
    PASSWORD,
    NeedFactory,
    UserFactory,
    VolunteerFactory,
    coordinator,
    moderator,
)

pytestmark = [pytest.mark.browser, pytest.mark.journey]


def moderator_in_admin(journey):
    """A moderator, logged into the admin (its address is where moderators start)."""
    admin = moderator()
    User.objects.filter(pk=admin.pk).update(is_staff=True)
    mod = journey.another("moderator")
    mod.opens("/admin/")
    mod.field("ชื่อผู้ใช้").fill(admin.username)
    mod.field("รหัสผ่าน").fill(PASSWORD)
    mod.page.get_by_role("button", name="เข้าสู่ระบบ").click()
    return mod


def log_in(person, email, password=PASSWORD):
    person.menu().get_by_role("link", name="เข้าสู่ระบบ").click()
    person.field("อีเมล").fill(email)
    person.field("รหัสผ่าน").fill(password)
    person.clicks("button", "เข้าสู่ระบบ")
    expect(person.page.locator("h1")).not_to_have_text("เข้าสู่ระบบ")


def test_an_organization_registers_posts_and_hears_of_its_volunteers(demo_world, journey):
    founder = UserFactory(username="pim@example.org", email="pim@example.org")
    person = journey.opens("/")
    page = person.page

    # Registering an organization is offered to everyone, at the foot of every page.
    page.locator("footer").get_by_role("link", name="ลงทะเบียนองค์กร").click()
    person.field("อีเมล").fill(founder.email)
    person.field("รหัสผ่าน").fill(PASSWORD)
    person.clicks("button", "เข้าสู่ระบบ")
    expect(page.locator("h1")).to_have_text("ลงทะเบียนองค์กร")
    person.field("ชื่อภาษาไทย").fill("กลุ่มจิตอาสารักษ์แม่ปิง")
    person.field("ประเภท").select_option("community")
    person.field("ที่อยู่").fill("ต.ป่าแดด อ.เมืองเชียงใหม่ จ.เชียงใหม่")
    person.clicks("button", "หาที่อยู่บนแผนที่")
    person.sees("ประมาณตรงนี้ จากที่อยู่", exact=False)
    person.step("the organization and its place")
    person.clicks("button", "ลงทะเบียนองค์กร", exact=True)
    person.sees("ผู้ดูแลจะตรวจสอบ", exact=False).step("waiting for review")
    organization = Organization.objects.get(name_th="กลุ่มจิตอาสารักษ์แม่ปิง")
    assert organization.status == "pending" and organization.location is not None

    # A moderator approves it from the admin, with the map of its place showing.
    mod = moderator_in_admin(journey)
    mod.page.get_by_role("link", name="องค์กร", exact=True).first.click()
    mod.page.get_by_role("link", name="กลุ่มจิตอาสารักษ์แม่ปิง").click()
    expect(mod.page.locator(".leaflet-container")).to_be_visible()
    expect(mod.page.locator(".leaflet-marker-icon")).to_have_count(1)
    mod.step("the organization in the admin, its pin on the map")
    mod.page.go_back()
    mod.page.get_by_role("row", name=re.compile("กลุ่มจิตอาสารักษ์แม่ปิง")).get_by_role("checkbox").check()
    mod.page.locator("select[name=action]").select_option(label="อนุมัติ (เผยแพร่)")
    mod.page.get_by_role("button", name="ไป").click()
    expect(mod.page.locator(".messagelist")).to_contain_text("เผยแพร่องค์กรแล้ว 1 องค์กร")
    mod.step("approved").no_errors()

    # The organization hears of it by e-mail and follows the link to its page.
    sending.send_due()
    approval = person.email_to(founder.email, "อนุมัติ")
    person.follows_link_in(approval, "/manage/")
    expect(page.locator("h1")).to_have_text("องค์กรของคุณ")
    person.step("the approval e-mail's link")

    # An opportunity with its own place (a dragged pin) and two shifts.
    person.clicks("link", "งานอาสาใหม่")
    person.field("ชื่องาน").fill("เก็บขยะริมน้ำปิงวันอาทิตย์")
    page.get_by_label("สิ่งแวดล้อม").check()
    start = timezone.localdate() + timedelta(days=10)
    person.field("วันเริ่ม").fill(start.isoformat())
    person.field("วันสิ้นสุด").fill((start + timedelta(days=7)).isoformat())
    page.get_by_label("ที่อยู่เดียวกับองค์กร", exact=False).uncheck()
    person.field("ที่อยู่").fill("ท่าวังตาล ต.ป่าแดด อ.เมืองเชียงใหม่ จ.เชียงใหม่")
    person.clicks("button", "หาที่อยู่บนแผนที่")
    marker = page.locator(".pin-map .leaflet-marker-icon")
    expect(marker).to_be_visible()
    box = marker.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] - 2)
    page.mouse.down()
    page.mouse.move(box["x"] + 60, box["y"] + 40, steps=8)
    page.mouse.up()
    person.sees("ปักหมุดแล้ว", exact=False)
    shifts = page.locator("#shift-forms fieldset")
    shifts.nth(0).get_by_label(re.compile("^เริ่ม:?$")).fill(f"{start.isoformat()}T07:00")
    shifts.nth(0).get_by_label(re.compile("^สิ้นสุด:?$")).fill(f"{start.isoformat()}T10:00")
    shifts.nth(0).get_by_label(re.compile("^จำนวนที่รับ:?$")).fill("1")
    person.clicks("button", "เพิ่มรอบงาน")
    later = start + timedelta(days=7)
    shifts.nth(1).get_by_label(re.compile("^เริ่ม:?$")).fill(f"{later.isoformat()}T07:00")
    shifts.nth(1).get_by_label(re.compile("^สิ้นสุด:?$")).fill(f"{later.isoformat()}T10:00")
    shifts.nth(1).get_by_label(re.compile("^จำนวนที่รับ:?$")).fill("20")
    person.step("the opportunity with two shifts and a pin")
    person.clicks("button", "บันทึก", exact=True)
    person.sees("บันทึกเป็นฉบับร่างแล้ว", exact=False)
    opportunity = Opportunity.objects.get(title="เก็บขยะริมน้ำปิงวันอาทิตย์")
    assert opportunity.precision == "exact" and opportunity.shifts.count() == 2

    # Its dates, edited in Thai, are kept.
    person.clicks("link", "เก็บขยะริมน้ำปิงวันอาทิตย์")
    expect(person.field("วันเริ่ม")).to_have_value(start.isoformat())
    expect(person.field("วันสิ้นสุด")).to_have_value((start + timedelta(days=7)).isoformat())
    person.field("วันสิ้นสุด").fill((start + timedelta(days=8)).isoformat())
    person.step("dates shown as they are, one changed")
    person.clicks("button", "บันทึก", exact=True)
    person.sees("บันทึกเป็นฉบับร่างแล้ว", exact=False)
    opportunity.refresh_from_db()
    assert opportunity.starts_on == start and opportunity.ends_on == start + timedelta(days=8)
    assert opportunity.shifts.count() == 2

    # A mistake is said on its field, in Thai.
    person.clicks("link", "เก็บขยะริมน้ำปิงวันอาทิตย์")
    person.field("อายุขั้นต่ำ").fill("200")
    person.clicks("button", "บันทึก", exact=True)
    expect(page.get_by_role("alert")).to_contain_text("อายุขั้นต่ำ")
    expect(person.field("วันสิ้นสุด")).to_have_value((start + timedelta(days=8)).isoformat())
    person.step("an impossible age")
    page.locator("header .brand").click()

    # Submitted, approved, and a volunteer signs up: the organization is told.
    person.menu().get_by_role("link", name="จัดการองค์กรของฉัน").click()
    page.get_by_role("button", name="ส่งตรวจสอบ").click()
    person.sees("ส่งให้ผู้ดูแลตรวจสอบแล้ว", exact=False).step("sent for review")
    Opportunity.objects.get(pk=opportunity.pk).approve()  # the moderator's part, seen above
    volunteer = VolunteerFactory(user__username="ton@example.org", user__email="ton@example.org")
    helper = journey.another("volunteer")
    helper.opens("/")
    log_in(helper, volunteer.user.email)
    helper.page.locator("header .brand").click()
    helper.types("ค้นหางานอาสาใกล้", "ต.ป่าแดด อ.เมืองเชียงใหม่ จ.เชียงใหม่")
    helper.clicks("button", "ค้นหา", exact=True)
    helper.page.get_by_role("link", name="เก็บขยะริมน้ำปิงวันอาทิตย์").first.click()
    helper.page.locator("ul.shifts li").first.get_by_role("button", name="สมัคร").click()
    helper.sees("สมัครเรียบร้อยแล้ว", exact=False).step("signed up")
    sending.send_due()
    told = person.email_to(founder.email, "สมัครเข้าร่วมรอบงาน")
    assert "/manage/opportunities/" in told.body
    person.follows_link_in(told, "/roster/")
    person.sees(volunteer.display_name).step("the roster")
    person.no_errors()


def test_a_coordinator_declares_an_incident_attaches_needs_and_assigns_one(
    demo_world, journey, tmp_path
):
    user = coordinator()
    User.objects.filter(pk=user.pk).update(username=user.email)  # people log in by e-mail
    # Mae Hong Son: no demo opportunity within reach, so these needs are uncovered.
    mae_hong_son = Point(97.97, 19.30, srid=4326)
    precise = NeedFactory(
        title="ครอบครัวติดน้ำท่วม", location=mae_hong_son, area_id="580101", urgency=4
    )
    district_only = NeedFactory(title="ต้องการถุงทราย", location=mae_hong_son, area_id="5801")
    person = journey.opens("/")
    log_in(person, user.email)
    person.menu().get_by_role("link", name="ประสานงาน").click()
    page = person.page
    # The level that shows every open need: one is known only by its district.
    expect(page.get_by_label("ระดับพื้นที่", exact=False)).to_have_value("amphoe")
    expect(page.locator("#uncovered")).to_contain_text("ต้องการถุงทราย")
    expect(page.locator(".coverage-legend")).to_be_visible()
    person.step("coverage at district level")

    area = tmp_path / "flood.geojson"
    ring = [[97.8, 19.1], [98.2, 19.1], [98.2, 19.5], [97.8, 19.5], [97.8, 19.1]]
    area.write_text(json.dumps({"type": "Polygon", "coordinates": [ring]}))
    person.clicks("link", "ประกาศเหตุการณ์")
    person.field("ชื่อ").fill("น้ำท่วมแม่ฮ่องสอน")
    page.locator("input[type=file]").set_input_files(str(area))
    person.step("the incident and its area")
    person.clicks("button", "บันทึก", exact=True)
    person.sees("2 รายการ", exact=False)
    person.step("the open needs inside its area")
    person.clicks("button", "ผูกกับเหตุการณ์นี้")
    person.sees("กับเหตุการณ์แล้ว", exact=False)
    assert set(Need.objects.filter(incident__name="น้ำท่วมแม่ฮ่องสอน")) == {precise, district_only}
    person.step("attached")

    page.locator("#uncovered").get_by_role("link", name="ครอบครัวติดน้ำท่วม").click()
    page.get_by_placeholder("พิมพ์ชื่อเพื่อค้นหา", exact=False).first.fill("น้ำท่วม")
    chosen = page.get_by_label("มอบหมายให้งานอาสา", exact=False)
    option = chosen.locator("option:not([hidden])", has_text="น้ำท่วม").first
    label = option.inner_text()
    chosen.select_option(label=label)
    person.step("assigned by name, nearest first")
    person.clicks("button", "บันทึก", exact=True)
    person.sees("บันทึกความต้องการความช่วยเหลือแล้ว")
    precise.refresh_from_db()
    assert precise.assigned_opportunity is not None
    assert precise.assigned_opportunity.title in label
    person.no_errors()


def test_a_coordinator_checks_a_hotline_file_then_saves_it_without_choosing_it_again(
    demo_world, journey, tmp_path
):
    user = coordinator()
    User.objects.filter(pk=user.pk).update(username=user.email)  # people log in by e-mail
    hotline = tmp_path / "สายด่วน.csv"
    hotline.write_text(
        "external_id,title,category,urgency,people_affected,address,latitude,longitude\n"
        "sd-1,ติดอยู่บนหลังคาบ้าน,rescue,critical,4,,15.23,104.86\n"
        "sd-2,ขาดน้ำดื่มทั้งหมู่บ้าน,food_water,high,60,ต.วารินชำราบ อ.วารินชำราบ จ.อุบลราชธานี,,\n"
        "sd-3,ไม่มีที่อยู่,shelter,low,3,,,\n",
        encoding="utf-8",
    )
    person = journey.opens("/")
    log_in(person, user.email)
    person.menu().get_by_role("link", name="ประสานงาน").click()
    person.clicks("link", "นำเข้าความต้องการ (CSV)")
    person.page.get_by_label("ไฟล์ CSV ความต้องการ", exact=False).set_input_files(str(hotline))
    person.step("the hotline's file chosen, a dry run")
    person.clicks("button", "นำเข้า", exact=True)
    person.sees("ทดลองนำเข้า: ยังไม่มีการบันทึกข้อมูลใด ๆ")
    person.sees("บรรทัดที่ 4", exact=False)  # the row without a place
    person.sees("สายด่วน.csv", exact=False)
    assert not Need.objects.filter(external_id__startswith="sd-").exists()
    person.step("checked in the background: one row refused, its line given")
    person.clicks("button", "บันทึกไฟล์นี้")
    person.sees("บันทึกแล้ว")
    assert set(
        Need.objects.filter(external_id__startswith="sd-").values_list("title", flat=True)
    ) == {
        "ติดอยู่บนหลังคาบ้าน",
        "ขาดน้ำดื่มทั้งหมู่บ้าน",
    }
    person.step("saved from the same file")
    person.no_errors()
