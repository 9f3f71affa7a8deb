"""A newcomer becomes a volunteer: registers, confirms the e-mail address from the link in the
e-mail, fills in a profile (home, skills, free times), finds a suggestion "for you", signs up for
a shift, joins the waiting list of a full one, is moved up when someone cancels, cancels a place
(after confirming), downloads their data and erases the account."""

import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone
from playwright.sync_api import expect

from opportunities.models import Shift
from tests.factories import OpportunityFactory, ShiftFactory, VolunteerFactory
from volunteers import signups
from volunteers.models import SignUp

pytestmark = [pytest.mark.browser, pytest.mark.journey]

PASSWORD = "ต้นไม้-ริมปิง-2569"
EMAIL = "somsri.newcomer@example.org"


@pytest.fixture
def temple_tutoring(demo_world):
    """An opportunity near Si Phum, Chiang Mai, with a shift that has places and a full one."""
    opportunity = OpportunityFactory(
        title="สอนการบ้านน้องที่วัด",
        location=Point(98.9870, 18.7930, srid=4326),
        area_id="500101",
        causes=["education"],
        skills=["teaching"],
    )
    soon = timezone.now().replace(hour=9, minute=0, second=0, microsecond=0) + timedelta(days=5)
    open_shift = ShiftFactory(
        opportunity=opportunity, starts_at=soon, ends_at=soon + timedelta(hours=3), capacity=5
    )
    full_shift = ShiftFactory(
        opportunity=opportunity,
        starts_at=soon + timedelta(days=1),
        ends_at=soon + timedelta(days=1, hours=3),
        capacity=1,
    )
    holder = VolunteerFactory(user__username="lek@example.org", user__email="lek@example.org")
    signups.sign_up(holder.user, full_shift.pk)
    return opportunity, open_shift, full_shift


def test_register_confirm_profile_sign_up_wait_cancel_download_erase(temple_tutoring, journey):
    _opportunity, _open_shift, full_shift = temple_tutoring
    person = journey.opens("/")
    page = person.page

    # Register.
    person.menu().get_by_role("link", name="สมัครเป็นอาสาสมัคร").click()
    expect(page.locator("h1")).to_have_text("สมัครเป็นอาสาสมัคร")
    person.field("อีเมล").fill(EMAIL)
    person.field("ชื่อที่องค์กรจะเห็น").fill("สมศรี")
    person.field("รหัสผ่าน").fill(PASSWORD)
    person.field("ยืนยันรหัสผ่าน").fill(PASSWORD)
    page.get_by_label("ฉันยินยอมตามประกาศความเป็นส่วนตัว", exact=False).check()
    person.step("the registration form")
    person.clicks("button", "ลงทะเบียน")
    person.sees(EMAIL).step("check your e-mail")

    # Confirm from the e-mail: the link asks for the password chosen.
    person.follows_link_in(person.email_to(EMAIL), "/accounts/verify/")
    expect(page.locator("h1")).to_have_text("ยืนยันอีเมลของคุณ")
    person.step("the link from the e-mail")
    person.field("รหัสผ่านที่คุณตั้งไว้ตอนลงทะเบียน").fill("not my password")
    person.clicks("button", "ยืนยันและเข้าสู่ระบบ")
    expect(page.get_by_role("alert")).to_contain_text("รหัสผ่านไม่ตรงกับที่ตั้งไว้")
    person.step("a wrong password is said")
    person.field("รหัสผ่านที่คุณตั้งไว้ตอนลงทะเบียน").fill(PASSWORD)
    person.clicks("button", "ยืนยันและเข้าสู่ระบบ")
    person.sees("ยืนยันอีเมลเรียบร้อยแล้ว")
    expect(page.locator("h1")).to_have_text("โปรไฟล์")
    person.step("confirmed, on the profile")

    # The profile: home, skills, causes, free times (a week grid).
    page.get_by_label("ใช้ทักษะ ประเด็นที่สนใจ", exact=False).check()
    page.get_by_label("ที่ที่คุณอยู่", exact=False).fill("ต.ศรีภูมิ อ.เมืองเชียงใหม่ จ.เชียงใหม่")
    page.get_by_label("สอนและติวหนังสือ").check()
    page.get_by_label("การศึกษา").check()
    page.get_by_label("วันเสาร์ ช่วงเช้า").check()
    page.get_by_label("วันอาทิตย์ ช่วงบ่าย").check()
    person.step("the profile filled in")
    person.clicks("button", "บันทึก", exact=True)
    person.sees("บันทึกโปรไฟล์แล้ว")
    person.step("saved")

    # For you: the suggestion near home, with why.
    person.menu().get_by_role("link", name="แนะนำสำหรับคุณ").click()
    suggestion = page.locator(".matches li", has_text="สอนการบ้านน้องที่วัด")
    expect(suggestion).to_be_visible()
    expect(suggestion.locator(".why")).to_contain_text("กม.")
    person.step("suggestions for you")
    suggestion.get_by_role("link", name="สอนการบ้านน้องที่วัด").click()

    # Sign up for the shift with places; the full one puts her on the waiting list.
    shifts = page.locator("ul.shifts li")
    shifts.nth(0).get_by_role("button", name="สมัคร").click()
    person.sees("สมัครเรียบร้อยแล้ว", exact=False)
    person.step("signed up")
    page.locator("ul.shifts li").nth(1).get_by_role("button", name="ลงชื่อในรายชื่อสำรอง").click()
    person.sees("รอบนี้เต็มแล้ว คุณอยู่ในรายชื่อสำรอง")
    person.step("on the waiting list")
    assert person.email_to(EMAIL, "สอนการบ้านน้องที่วัด")

    # Someone else cancels the full shift, on their own phone or computer.
    other = journey.another("lek")
    other.opens("/")
    other.menu().get_by_role("link", name="เข้าสู่ระบบ").click()
    other.field("อีเมล").fill("lek@example.org")
    other.field("รหัสผ่าน").fill("a-long-test-password")
    other.clicks("button", "เข้าสู่ระบบ")
    other.page.get_by_role("link", name="ยกเลิก…").click()
    other.sees("ยกเลิกการสมัครรอบนี้หรือไม่?").step("asked before cancelling")
    other.clicks("button", "ใช่ ยกเลิกการสมัคร")
    other.sees("ยกเลิกแล้ว", exact=False).step("cancelled")

    # She is moved up and told by e-mail; its link leads to her shifts.
    promotion = person.email_to(EMAIL, "ที่ว่าง")
    person.follows_link_in(promotion, "/me/")
    expect(page.locator("ul.shifts li")).to_have_count(2)
    expect(page.locator("ul.shifts")).not_to_contain_text("รายชื่อสำรอง")
    person.step("moved up from the waiting list")

    # She cancels one place, after being asked.
    page.locator("ul.shifts li").first.get_by_role("link", name="ยกเลิก…").click()
    person.sees("ยกเลิกการสมัครรอบนี้หรือไม่?")
    person.clicks("link", "ไม่ เก็บไว้")
    expect(page.locator("h1")).to_have_text("สอนการบ้านน้องที่วัด")  # back on the opportunity
    assert SignUp.objects.filter(volunteer__email=EMAIL, status="confirmed").count() == 2
    page.go_back()
    person.clicks("button", "ใช่ ยกเลิกการสมัคร")
    person.sees("ยกเลิกแล้ว", exact=False).step("one place given back")

    # Her data, then her account gone.
    page.get_by_role("link", name="ความเป็นส่วนตัวและข้อมูลของฉัน").click()
    with page.expect_download() as download:
        page.get_by_role("link", name="ดาวน์โหลดข้อมูลทั้งหมดของฉัน", exact=False).click()
    data = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert EMAIL in json.dumps(data, ensure_ascii=False)
    person.step("my data")
    person.field("รหัสผ่านของคุณ เพื่อยืนยัน").fill(PASSWORD)
    person.clicks("button", "ลบบัญชีและข้อมูลของฉัน")
    person.sees("ลบบัญชีและข้อมูลของคุณแล้ว", exact=False)
    expect(page).to_have_url(journey.base + "/")
    person.step("erased")
    assert not SignUp.objects.filter(volunteer__email=EMAIL).exists()
    assert Shift.objects.get(pk=full_shift.pk).sign_ups.filter(status="confirmed").count() == 0
    person.no_errors()
