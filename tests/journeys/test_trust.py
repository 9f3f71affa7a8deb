"""A partner of the network vouches for an organization waiting for review; a moderator sees the
vouch first in the queue and verifies it; anyone then finds the organization with its trust and
the partner's words, and the network's partners on their page."""

import re

import pytest
from playwright.sync_api import expect

from places.models import Membership, ModerationStatus, Organization
from tests.factories import OrganizationFactory, UserFactory
from tests.journeys.test_organizations_and_coordinators import log_in, moderator_in_admin

pytestmark = [pytest.mark.browser, pytest.mark.journey]


def test_a_partner_vouches_and_a_moderator_verifies(demo_world, journey):
    partner = Organization.objects.get(name_th="มูลนิธิกระจกเงา")
    editor = UserFactory(username="nok@example.org", email="nok@example.org")
    Membership.objects.create(user=editor, organization=partner)
    newcomer = OrganizationFactory(
        name_th="กลุ่มอาสาบ้านใหม่",
        kind="informal",
        description="สอนการบ้านเด็กในชุมชนทุกเย็นวันพุธ",
        status=ModerationStatus.PENDING,
        verified=False,
    )

    # The partner's staff are asked, on their page, to look at who waits for review.
    person = journey.opens("/")
    page = person.page
    log_in(person, editor.email)
    page.locator("footer").get_by_role("link", name="จัดการองค์กรของฉัน").click()
    waiting = page.locator("section[aria-labelledby=awaiting]")
    expect(waiting).to_contain_text("องค์กรที่รอการตรวจสอบ")
    person.step("organizations waiting for review")
    waiting.get_by_role("listitem").filter(has_text="กลุ่มอาสาบ้านใหม่").get_by_role(
        "link", name="รับรององค์กรนี้"
    ).click()
    person.sees("สอนการบ้านเด็กในชุมชน", exact=False)
    expect(person.field("รับรองในนามของ")).to_have_value(str(partner.pk))
    person.field("เหตุผลที่รับรององค์กรนี้").fill("ทำงานกับเราที่ศูนย์เด็กมาสองปี")
    person.step("the vouch")
    person.clicks("button", "รับรององค์กรนี้")
    person.sees("ขอบคุณ ผู้ดูแลจะเห็นการรับรองของคุณคู่กับ กลุ่มอาสาบ้านใหม่")
    expect(waiting).to_have_count(0)  # the only one waiting: nothing more to ask
    person.step("vouched").no_errors()

    # The moderator's queue puts the vouched organization first; a moderator still decides.
    mod = moderator_in_admin(journey)
    mod.page.get_by_role("link", name="องค์กร", exact=True).first.click()
    first_row = mod.page.locator("#result_list tbody tr").first
    expect(first_row).to_contain_text("กลุ่มอาสาบ้านใหม่")
    expect(first_row).to_contain_text("ลงทะเบียนแล้ว ยังไม่ได้รับการยืนยัน")
    mod.step("the vouched organization first in the queue")
    first_row.get_by_role("link", name="กลุ่มอาสาบ้านใหม่").click()
    expect(mod.page.locator("body")).to_contain_text("ทำงานกับเราที่ศูนย์เด็กมาสองปี")
    mod.step("the partner's words beside the organization")
    mod.page.go_back()
    mod.page.get_by_role("row", name=re.compile("กลุ่มอาสาบ้านใหม่")).get_by_role("checkbox").check()
    mod.page.locator("select[name=action]").select_option(label="ยืนยันตัวตนองค์กร")
    mod.page.get_by_role("button", name="ไป").click()
    expect(mod.page.locator(".messagelist")).to_contain_text("ยืนยันองค์กรแล้ว 1 องค์กร")
    mod.step("verified").no_errors()

    # Anyone finds it, with its trust and the partner's words; and the partners on their page.
    visitor = journey.another("visitor")
    visitor.opens("/")
    visitor.page.get_by_role("link", name="ทำเนียบองค์กร").click()
    visitor.field("ชื่อ").fill("บ้านใหม่")
    visitor.clicks("button", "ค้นหา", exact=True)
    visitor.page.get_by_role("link", name="กลุ่มอาสาบ้านใหม่").click()
    visitor.sees("ความน่าเชื่อถือ: ยืนยันโดยผู้ดูแลเครือข่ายแล้ว")
    visitor.sees("ได้รับการรับรองจากภาคีเครือข่าย")
    visitor.sees("ทำงานกับเราที่ศูนย์เด็กมาสองปี", exact=False)
    visitor.step("the organization, verified and vouched for")
    visitor.page.get_by_role("link", name="มูลนิธิกระจกเงา").click()
    visitor.sees("ความน่าเชื่อถือ: ภาคีเครือข่าย")
    visitor.page.locator("footer").get_by_role("link", name="ภาคีเครือข่าย").click()
    expect(visitor.page.locator("h1")).to_have_text("ภาคีเครือข่าย")
    expect(visitor.page.locator("ul.partners > li")).to_have_count(11)
    visitor.step("the partners of the network").no_errors()
    newcomer.refresh_from_db()
    assert newcomer.verified and newcomer.status == ModerationStatus.PUBLISHED
