"""Trust tiers (registered, verified, partner), every change logged; partners vouch for
organizations waiting for review, per role; the partners page."""

import re

import pytest
from django.contrib.auth.models import User
from django.db import IntegrityError
from django.test import Client
from django.urls import reverse

from places.models import ModerationStatus, Organization, Trust, TrustChange, Vouch
from tests.factories import OrganizationFactory, UserFactory, moderator, staff_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderator_client():
    """A moderator's browser of its own, beside `client`."""
    user = moderator()
    user.is_staff = True
    user.save()
    browser = Client()
    browser.force_login(User.objects.get(pk=user.pk))
    browser.user = user
    return browser


def pending(name="กลุ่มอาสาหน้าใหม่"):
    return OrganizationFactory(name_th=name, status=ModerationStatus.PENDING, verified=False)


def log(organization):
    return list(
        TrustChange.objects.filter(organization=organization)
        .order_by("pk")
        .values_list("tier_from", "tier_to", "actor__username")
    )


def test_every_change_of_tier_is_logged_with_who_made_it(moderator_client):
    org = pending()
    url = reverse("admin:places_organization_changelist")
    moderator_client.post(url, {"action": "verify", "_selected_action": [org.pk]})
    moderator_client.post(url, {"action": "make_partner", "_selected_action": [org.pk]})
    moderator_client.post(url, {"action": "withdraw_trust", "_selected_action": [org.pk]})
    org.refresh_from_db()
    name = moderator_client.user.username
    assert log(org) == [
        ("registered", "verified", name),
        ("verified", "partner", name),
        ("partner", "registered", name),
    ]
    assert org.trust == Trust.REGISTERED and org.status == ModerationStatus.PUBLISHED
    # Verifying what is verified changes nothing, and logs nothing.
    org.verify()
    org.verify()
    assert len(log(org)) == 4


def test_a_partner_is_verified_first(moderator_client):
    org = pending()
    answer = moderator_client.post(
        reverse("admin:places_organization_changelist"),
        {"action": "make_partner", "_selected_action": [org.pk]},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="th",
    )
    assert "ต้องยืนยันองค์กรเหล่านี้ก่อน: กลุ่มอาสาหน้าใหม่" in answer.content.decode()
    assert log(org) == []
    with pytest.raises(IntegrityError):
        Organization.objects.filter(pk=org.pk).update(partner=True)


def test_the_admin_form_cannot_change_a_tier_without_the_log(moderator_client):
    form = moderator_client.get(
        reverse("admin:places_organization_change", args=[OrganizationFactory().pk])
    )
    html = form.content.decode()
    assert 'name="verified"' not in html and 'name="partner"' not in html


def test_the_api_logs_who_verified(client):
    org = pending()
    user = moderator()
    client.force_login(user)
    assert client.post(f"/api/v1/organizations/{org.pk}/verify/").status_code == 200
    assert log(org) == [("registered", "verified", user.username)]


def test_who_may_vouch(client):
    partner = OrganizationFactory(name_th="มูลนิธิกระจกเงา", partner=True)
    plain = OrganizationFactory(name_th="ชมรมธรรมดา")
    waiting = pending()
    page = reverse("manage-vouch", args=[waiting.pk])
    form = {"voucher": partner.pk, "reason": "ทำงานด้วยกันมาสามปี"}

    # Nobody logged in: asked to log in.
    assert client.post(page, form)["Location"].startswith("/accounts/login/")
    # A volunteer, the staff of an organization that is no partner, the organization's own
    # staff: refused, in Thai.
    for user in (UserFactory(), staff_of(plain), staff_of(waiting)):
        client.force_login(user)
        refused = client.post(page, form, HTTP_ACCEPT_LANGUAGE="th")
        assert refused.status_code == 403
        text = refused.content.decode()
        assert "เฉพาะเจ้าหน้าที่ขององค์กรภาคีเครือข่าย" in text and waiting.name_th not in text
    # A partner's staff may not vouch as another partner, nor for a public organization.
    editor = staff_of(partner)
    client.force_login(editor)
    other = OrganizationFactory(name_th="ภาคีอื่น", partner=True)
    assert client.post(page, {**form, "voucher": other.pk}).status_code == 200  # the form again
    assert client.post(reverse("manage-vouch", args=[plain.pk]), form).status_code == 404
    assert not Vouch.objects.exists()
    # They may for the organization waiting, once.
    assert client.post(page, form)["Location"] == reverse("manage-dashboard")
    again = client.post(page, form, HTTP_ACCEPT_LANGUAGE="th")
    assert "องค์กรของคุณรับรององค์กรนี้ไปแล้ว" in again.content.decode()
    assert list(Vouch.objects.values_list("voucher", "organization", "by", "reason")) == [
        (partner.pk, waiting.pk, editor.pk, "ทำงานด้วยกันมาสามปี")
    ]
    with pytest.raises(IntegrityError):
        Vouch.objects.create(voucher=partner, organization=partner, reason="ตัวเอง")


def test_partners_are_asked_to_vouch_and_vouches_go_first_to_the_moderators(
    client, moderator_client
):
    partner = OrganizationFactory(name_th="มูลนิธิกระจกเงา", partner=True)
    first, second = pending("กลุ่มแรก"), pending("กลุ่มสอง")
    editor = staff_of(partner)
    client.force_login(editor)
    dashboard = client.get("/manage/", HTTP_ACCEPT_LANGUAGE="th").content.decode()
    assert "องค์กรที่รอการตรวจสอบ" in dashboard and "กลุ่มแรก" in dashboard
    client.post(reverse("manage-vouch", args=[second.pk]), {"voucher": partner.pk, "reason": "รู้จัก"})
    dashboard = client.get("/manage/", HTTP_ACCEPT_LANGUAGE="th").content.decode()
    vouch_links = re.findall(r'href="/manage/organizations/(\d+)/vouch/"', dashboard)
    assert vouch_links == [str(first.pk)]  # vouched: asked no more
    # The staff of an organization that is no partner are not asked.
    client.force_login(staff_of(OrganizationFactory()))
    assert "องค์กรที่รอการตรวจสอบ" not in client.get("/manage/").content.decode()

    queue = moderator_client.get(
        reverse("admin:places_organization_changelist") + "?status__exact=pending"
    ).content.decode()
    assert queue.index("กลุ่มสอง") < queue.index("กลุ่มแรก")
    # The vouch does not verify: the moderator does, and the page then shows both.
    second.refresh_from_db()
    assert second.trust == Trust.REGISTERED and second.status == ModerationStatus.PENDING
    second.verify(moderator_client.user)
    page = client.get(f"/organizations/{second.pk}/", HTTP_ACCEPT_LANGUAGE="th").content.decode()
    assert "ยืนยันโดยผู้ดูแลเครือข่ายแล้ว" in page
    assert "ได้รับการรับรองจากภาคีเครือข่าย" in page and "มูลนิธิกระจกเงา</a>: รู้จัก" in page


def test_the_partners_page_lists_the_partners_and_is_linked_from_every_page(client):
    OrganizationFactory(name_th="มูลนิธิกระจกเงา", partner=True)
    OrganizationFactory(name_th="ชมรมธรรมดา")
    OrganizationFactory(name_th="ภาคีที่ยังไม่เผยแพร่", partner=True, status="rejected")
    home = client.get("/", HTTP_ACCEPT_LANGUAGE="th").content.decode()
    assert '<a href="/partners/">ภาคีเครือข่าย</a>' in home
    page = client.get("/partners/", HTTP_ACCEPT_LANGUAGE="th").content.decode()
    assert "มูลนิธิกระจกเงา" in page and "เชียงใหม่" in page
    assert "ชมรมธรรมดา" not in page and "ภาคีที่ยังไม่เผยแพร่" not in page
    listed = client.get("/organizations/", HTTP_ACCEPT_LANGUAGE="th").content.decode()
    assert 'มูลนิธิกระจกเงา</a>\n        <span class="badge">ภาคีเครือข่าย</span>' in listed


def test_only_moderators_change_a_tier_through_the_api(client):
    org = pending()
    client.force_login(staff_of(org))  # not even its own staff
    assert client.post(f"/api/v1/organizations/{org.pk}/verify/").status_code == 403
    client.force_login(UserFactory())
    assert client.post(f"/api/v1/organizations/{org.pk}/verify/").status_code == 403
    org.refresh_from_db()
    assert org.trust == Trust.REGISTERED and log(org) == []


def test_an_organizations_page_names_who_it_works_with(client):
    from tests.factories import OpportunityFactory

    host = OrganizationFactory(name_th="มูลนิธิเจ้าภาพ")
    guest = OrganizationFactory(name_th="ชมรมที่มาร่วม")
    OrganizationFactory(name_th="ชมรมที่ไม่เกี่ยว")
    event = OpportunityFactory(organization=host, schedule="event")
    event.co_organizers.add(guest)
    draft = OpportunityFactory(organization=host, status="draft")
    draft.co_organizers.add(OrganizationFactory(name_th="ชมรมในงานร่าง"))
    for org, other in ((host, "ชมรมที่มาร่วม"), (guest, "มูลนิธิเจ้าภาพ")):
        page = client.get(f"/organizations/{org.pk}/", HTTP_ACCEPT_LANGUAGE="th").content.decode()
        assert "ทำงานร่วมกับ" in page and f">{other}</a>" in page
        assert "ชมรมที่ไม่เกี่ยว" not in page and "ชมรมในงานร่าง" not in page


def test_a_change_of_tier_reaches_the_map_and_its_popups(client):
    from opportunities.models import MapChange

    org = OrganizationFactory(name_th="มูลนิธิกระจกเงา")
    MapChange.objects.all().delete()
    org.change_trust(Trust.PARTNER)
    assert MapChange.objects.filter(layer="organizations").exists()
    feature = client.get(f"/api/v1/organizations/{org.pk}/").json()["properties"]
    assert (feature["partner"], feature["trust"], feature["verified"]) == (True, "partner", True)
