"""The same person switches to English and back on every kind of page, makes the mistakes people
make on every public form, and meets the error pages, which speak their language and lead home."""

import re

import pytest
from playwright.sync_api import expect

from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.journey]


def switch(person, to_language):
    button = {"en": "English", "th": "ไทย"}[to_language]
    person.page.get_by_role("button", name=button).click()
    expect(person.page.locator("html")).to_have_attribute("lang", to_language)


def test_english_and_back_on_every_kind_of_page(demo_world, journey):
    person = journey.opens("/")
    page = person.page

    def both_ways(thai_text, english_text, name):
        switch(person, "en")
        expect(page).to_have_url(re.compile(r"/en/"))
        person.sees(english_text)
        expect(page).to_have_title(re.compile(r"Good-deeds map"))
        person.step(f"{name} in English")
        switch(person, "th")
        expect(page).not_to_have_url(re.compile(r"/en/"))
        person.sees(thai_text)
        person.step(f"{name} in Thai again")

    both_ways("ค้นหางานอาสาใกล้", "Find volunteer work near", "home")
    # A search made on the map is still there in the other language.
    person.types("ค้นหางานอาสาใกล้", "เชียงใหม่")
    person.clicks("button", "ค้นหา", exact=True)
    expect(page.locator("#results-heading")).to_contain_text("จ.เชียงใหม่")
    switch(person, "en")
    expect(page.locator("#near-q")).to_have_value("เชียงใหม่")
    expect(page.locator("#results-heading")).to_contain_text("Chiang Mai")
    expect(page.locator("#results li a").first).to_be_visible()
    # The other places it may mean, and why, in English too (the API's words).
    person.sees("Or did you mean:")
    expect(page.locator("#candidates li").first).to_contain_text("The province's capital district")
    person.step("the search kept in English")
    switch(person, "th")
    expect(page.locator("#results-heading")).to_contain_text("จ.เชียงใหม่")
    person.clicks("link", "ดูเป็นรายการ")
    both_ways("งานอาสาสมัคร", "Volunteer opportunities", "the list")
    page.locator("ol.results li a").first.click()
    both_ways("รอบการทำงาน", "Shifts", "an opportunity")
    page.locator("p.org a").click()
    both_ways("งานอาสา", "Opportunities", "an organization")
    person.menu().get_by_role("link", name="เข้าสู่ระบบ").click()
    both_ways("ลืมรหัสผ่าน?", "Forgot your password?", "log in")
    person.clicks("link", "ลืมรหัสผ่าน?")
    both_ways("ตั้งรหัสผ่านใหม่", "Reset your password", "password reset")
    person.no_errors()


def test_mistakes_on_every_public_form_are_said_in_thai_and_lose_nothing(demo_world, journey):
    UserFactory(username="taken@example.org", email="taken@example.org")
    person = journey.opens("/")
    page = person.page

    # Registration: a bad address, a phone that is not one, passwords that differ, no consent.
    person.menu().get_by_role("link", name="สมัครเป็นอาสาสมัคร").click()
    person.field("อีเมล").fill("somchai@example")
    person.field("ชื่อที่องค์กรจะเห็น").fill("สมชาย")
    person.field("โทรศัพท์ (ไม่บังคับ)").fill("081 234")
    person.field("รหัสผ่าน").fill("มะม่วง-น้ำปลาหวาน-1")
    person.field("ยืนยันรหัสผ่าน").fill("มะม่วง-น้ำปลาหวาน-2")
    person.clicks("button", "ลงทะเบียน")
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("อีเมล")
    expect(summary).to_contain_text("เบอร์โทรศัพท์ไทย เช่น 081 234 5678")
    expect(summary).to_contain_text("รหัสผ่านทั้งสองช่องไม่ตรงกัน")
    expect(summary).to_contain_text("กรุณาติ๊กช่องนี้เพื่อยินยอม")
    expect(person.field("ชื่อที่องค์กรจะเห็น")).to_have_value("สมชาย")  # nothing typed is lost
    expect(person.field("โทรศัพท์ (ไม่บังคับ)")).to_have_value("081 234")
    expect(person.field("อีเมล")).to_have_value("somchai@example")
    person.step("registration mistakes")
    # Django's own password rules, in Thai too.
    person.field("อีเมล").fill("somchai@example.org")
    person.field("โทรศัพท์ (ไม่บังคับ)").fill("081 234 5678")
    person.field("รหัสผ่าน").fill("12345678")
    person.field("ยืนยันรหัสผ่าน").fill("12345678")
    person.clicks("button", "ลงทะเบียน")
    expect(summary).to_contain_text("รหัสผ่านนี้เป็นตัวเลขทั้งหมด")
    person.step("a password of digits")
    # What the consent means is one click away, in a new tab.
    with page.context.expect_page() as opened:
        person.clicks("link", "อ่านประกาศความเป็นส่วนตัว (เปิดในแท็บใหม่)")
    notice = opened.value
    expect(notice.locator("h1")).to_have_text("ประกาศความเป็นส่วนตัว")
    expect(notice.get_by_text("ไม่มีใครเห็นข้อมูลนี้", exact=False)).to_be_visible()
    notice.screenshot(path=str(person.folder / "privacy-notice.png"), full_page=True)
    notice.close()

    # Log in with a wrong password.
    person.menu().get_by_role("link", name="เข้าสู่ระบบ").click()
    person.field("อีเมล").fill("Taken@Example.org")
    person.field("รหัสผ่าน").fill("wrong password")
    person.clicks("button", "เข้าสู่ระบบ")
    expect(page.get_by_role("alert")).to_contain_text("อีเมลหรือรหัสผ่านไม่ถูกต้อง")
    expect(person.field("อีเมล")).to_have_value("Taken@Example.org")  # as typed
    person.step("a wrong password")

    # Password reset for an address nobody has: the same answer as for a real one.
    person.clicks("link", "ลืมรหัสผ่าน?")
    person.field("อีเมล").fill("nobody@example.org")
    person.clicks("button", "ส่งลิงก์")
    person.sees("ตรวจสอบอีเมล", exact=False)
    person.step("reset asked")

    # The map's search and filters.
    page.get_by_role("link", name="แผนที่ทำดี").click()
    person.types("ค้นหางานอาสาใกล้", "ประเทศลาว เวียงจันทน์")
    person.clicks("button", "ค้นหา", exact=True)
    expect(page.locator("#near-message")).to_contain_text("ไม่ใช่ที่อยู่ในประเทศไทย")
    person.step("not a Thai place")
    person.types("ค้นหางานอาสาใกล้", "13.75, 200")
    person.clicks("button", "ค้นหา", exact=True)
    expect(page.locator("#near-message")).to_contain_text("ไม่อยู่ในประเทศไทย")
    person.step("a point outside Thailand")
    # A Buddhist Era year in a date filter: said once, beside the dates.
    person.opens_filters()
    # Typed digit by digit, as a person does, from the field's first part.
    page.get_by_label("ตั้งแต่").click(position={"x": 14, "y": 12})
    page.keyboard.type("05122569")
    expect(page.locator("#filter-message")).to_contain_text("ปี 2569 น่าจะเป็นปีพุทธศักราช")
    expect(page.get_by_text("ปี 2569 น่าจะเป็นปีพุทธศักราช", exact=False)).to_have_count(1)
    person.step("a Buddhist Era year")
    person.no_errors()


def test_error_pages_speak_thai_and_lead_home(demo_world, journey):
    # An old link, followed from somewhere else: the start page of this journey.
    person = journey.opens("/opportunities/999999/")
    page = person.page
    expect(page.locator("h1")).to_have_text("ไม่มีหน้านี้")
    person.sees("ลิงก์อาจเก่าแล้ว", exact=False)
    person.step("a page that does not exist")
    person.clicks("link", "กลับไปที่แผนที่")
    expect(page.locator("#near-q")).to_be_visible()
    person.step("home again")

    old = journey.another("english")
    old.opens("/en/organizations/999999/")
    expect(old.page.locator("h1")).to_have_text("This page does not exist")
    old.clicks("link", "Back to the map")
    expect(old.page).to_have_url(re.compile(r"/en/"))
    old.step("home in English")
