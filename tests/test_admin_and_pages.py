"""The admin (map widget, moderation with reasons, pins are exact), the staff pages, the public
detail pages and the API docs, all served without outside assets."""

import json
import re

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from opportunities.models import Opportunity, Status
from places.models import ModerationStatus, Organization
from tests.factories import (
    OpportunityFactory,
    OrganizationFactory,
    UserFactory,
    moderator,
    staff_of,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderator_client(client):
    user = moderator()
    user.is_staff = True
    user.save()
    client.force_login(User.objects.get(pk=user.pk))
    return client


def test_admin_moderation_approve_and_reject_with_reason(moderator_client):
    pending = OpportunityFactory(status=Status.PENDING)
    other = OpportunityFactory(status=Status.PENDING)
    url = reverse("admin:opportunities_opportunity_changelist")
    moderator_client.post(url, {"action": "approve", "_selected_action": [pending.pk]})
    pending.refresh_from_db()
    assert pending.status == Status.PUBLISHED
    asked = moderator_client.post(url, {"action": "reject", "_selected_action": [other.pk]})
    assert b"reason" in asked.content
    other.refresh_from_db()
    assert other.status == Status.PENDING, "rejected before a reason was given"
    moderator_client.post(
        url,
        {"action": "reject", "_selected_action": [other.pk], "apply": "1", "reason": "ซ้ำกับงานอื่น"},
    )
    other.refresh_from_db()
    assert (other.status, other.rejection_reason) == (Status.REJECTED, "ซ้ำกับงานอื่น")


def test_admin_verify_organization(moderator_client):
    org = OrganizationFactory(status=ModerationStatus.PENDING, verified=False)
    moderator_client.post(
        reverse("admin:places_organization_changelist"),
        {"action": "verify", "_selected_action": [org.pk]},
    )
    org.refresh_from_db()
    assert org.verified and org.status == ModerationStatus.PUBLISHED


def org_form(org, **changes):
    data = {
        f: getattr(org, f)
        for f in (
            "name_th",
            "name_en",
            "kind",
            "description",
            "address",
            "phone",
            "email",
            "website",
            "line_id",
            "facebook",
            "status",
            "rejection_reason",
        )
    }
    inlines = ("members", "vouches", "trust_changes")
    data.update(
        location=json.dumps({"type": "Point", "coordinates": [org.location.x, org.location.y]}),
        **{f"{inline}-{count}_FORMS": 0 for inline in inlines for count in ("TOTAL", "INITIAL")},
    )
    data.update(changes)
    return data


def test_admin_dragged_pin_becomes_exact(moderator_client):
    org = OrganizationFactory(precision="tambon")
    url = reverse("admin:places_organization_change", args=[org.pk])
    page = moderator_client.get(url)
    assert b"leaflet" in page.content
    response = moderator_client.post(
        url,
        org_form(org, location=json.dumps({"type": "Point", "coordinates": [100.5018, 13.7563]})),
    )
    assert response.status_code == 302, response.content[:2000]
    org.refresh_from_db()
    assert (org.precision, org.area_id[:2], round(org.location.x, 4)) == ("exact", "10", 100.5018)


@pytest.mark.parametrize(
    "location",
    [
        json.dumps(
            {
                "type": "Point",
                "coordinates": [100.5, 13.7],
                "crs": {"type": "name", "properties": {"name": "/etc/passwd"}},
            }
        ),
        json.dumps(
            {"type": "Polygon", "coordinates": [[[100, 13], [101, 13], [101, 14], [100, 13]]]}
        ),
        json.dumps({"type": "Point", "coordinates": [13.7, 100.5]}),
        "POINT(100 13)",
    ],
)
def test_admin_refuses_anything_but_a_point_in_thailand(moderator_client, location):
    org = OrganizationFactory()
    response = moderator_client.post(
        reverse("admin:places_organization_change", args=[org.pk]), org_form(org, location=location)
    )
    assert response.status_code == 200 and b"errorlist" in response.content
    org.refresh_from_db()
    assert round(org.location.x, 4) == 98.9853


def test_admin_changed_address_is_geocoded(moderator_client):
    org = OrganizationFactory()
    moderator_client.post(
        reverse("admin:places_organization_change", args=[org.pk]),
        org_form(org, address="แขวงสีลม เขตบางรัก กทม."),
    )
    org.refresh_from_db()
    assert org.area_id == "100402" and org.precision != "exact"


# --- staff pages ------------------------------------------------------------------------------


def test_staff_register_an_organization_and_an_opportunity(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        reverse("manage-organization-new"),
        {"name_th": "กลุ่มอาสาใหม่", "kind": "community", "address": "ต.สุเทพ อ.เมือง จ.เชียงใหม่"},
    )
    assert response.status_code == 302
    org = Organization.objects.get(name_th="กลุ่มอาสาใหม่")
    assert org.status == ModerationStatus.PENDING and org.members.get().user == user
    response = client.post(
        reverse("manage-opportunity-new", args=[org.pk]),
        {
            "title": "เก็บขยะ",
            "causes": ["environment"],
            "mode": "onsite",
            "schedule": "one_off",
            "use_organization_location": "on",
            "volunteers_needed": 5,
            "shifts-TOTAL_FORMS": 1,
            "shifts-INITIAL_FORMS": 0,
            "shifts-0-starts_at": "2030-01-05T09:00",
            "shifts-0-ends_at": "2030-01-05T12:00",
            "shifts-0-capacity": 5,
        },
    )
    assert response.status_code == 302, response.content[:3000]
    o = Opportunity.objects.get(title="เก็บขยะ")
    assert o.location == org.location and o.shifts.get().capacity == 5 and o.status == Status.DRAFT
    client.post(reverse("manage-opportunity-submit", args=[o.pk]))
    o.refresh_from_db()
    assert o.status == Status.PENDING
    assert "เก็บขยะ" in client.get(reverse("manage-dashboard")).content.decode()


def test_staff_form_rejects_an_address_it_cannot_place(client):
    client.force_login(UserFactory())
    response = client.post(
        reverse("manage-organization-new"),
        {"name_th": "x", "kind": "community", "address": "asdfgh"},
    )
    assert response.status_code == 200 and "หาที่อยู่นี้บนแผนที่ไม่พบ" in response.content.decode()
    assert not Organization.objects.exists()


def test_staff_cannot_touch_another_organization(client):
    other = OrganizationFactory()
    o = OpportunityFactory(organization=other, status=Status.DRAFT)
    client.force_login(staff_of(OrganizationFactory()))
    assert client.get(reverse("manage-organization", args=[other.pk])).status_code == 404
    assert client.get(reverse("manage-opportunity", args=[o.pk])).status_code == 404
    assert client.post(reverse("manage-opportunity-submit", args=[o.pk])).status_code == 404


def test_manage_needs_login(client):
    assert client.get(reverse("manage-dashboard"))["Location"].startswith("/accounts/login/")


# --- public pages -----------------------------------------------------------------------------


def test_opportunity_page_has_structured_data_and_a_small_map(client):
    o = OpportunityFactory(title="ปลูกป่าชายเลน", description="</script><script>alert(1)</script>")
    html = client.get(reverse("opportunity-detail-page", args=[o.pk])).content.decode()
    data = json.loads(
        re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    )
    assert data["@type"] == "Event" and data["name"] == "ปลูกป่าชายเลน"
    assert data["location"]["geo"]["latitude"] == pytest.approx(o.location.y)
    assert "</script><script>alert(1)" not in html and "\\u003c/script\\u003e" in html
    assert 'id="detail-map"' in html and "calendar.ics" in html


def test_organization_page_lists_its_published_opportunities(client):
    o = OpportunityFactory(title="งานเปิด")
    OpportunityFactory(organization=o.organization, title="งานร่าง", status=Status.DRAFT)
    html = client.get(
        reverse("organization-detail-page", args=[o.organization.pk])
    ).content.decode()
    assert "งานเปิด" in html and "งานร่าง" not in html


def test_api_docs_are_served_locally(client):
    html = client.get("/api/v1/docs/").content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets and all(a.startswith("/") for a in assets), assets
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
    assert "/api/v1/opportunities/" in schema["paths"] and "/api/v1/geocode/" in schema["paths"]
    parameters = schema["paths"]["/api/v1/geocode/"]["get"]["parameters"]
    assert {"name": "lang", "in": "query"}.items() <= parameters[-1].items()


def test_thai_pages_give_buddhist_era_dates(client):
    import datetime

    o = OpportunityFactory(starts_on=datetime.date(2027, 1, 16), ends_on=datetime.date(2027, 1, 17))
    thai = client.get(reverse("opportunity-detail-page", args=[o.pk])).content.decode()
    assert (
        "16 ม.ค. 2570" in thai
        and "2027" not in thai.split("<main", 1)[1].split("application/ld+json")[0]
    )
    english = client.get(f"/en/opportunities/{o.pk}/").content.decode()
    assert "16 Jan 2027" in english


def test_the_list_page_lists_nothing_when_its_place_is_not_found_and_offers_the_places_meant(
    client,
):
    OpportunityFactory(title="ปลูกป่า")
    page = client.get(
        "/opportunities/", {"near": "ในเมือง", "q": "ป่า"}, HTTP_ACCEPT_LANGUAGE="th"
    ).content.decode()
    assert "ปลูกป่า" not in page  # not the whole country under a message about the place
    assert "คุณหมายถึงที่ไหน?" in page
    meant = re.findall(r'<li><a href="\?([^"]+)">(ต\.ในเมือง[^<]+)</a></li>', page)
    assert len(meant) >= 2, page  # all share the name, and the heading says so: no "why" each
    query, label = meant[0]
    assert "q=%E0%B8%9B%E0%B9%88%E0%B8%B2" in query  # the words typed are kept
    chosen = client.get(f"/opportunities/?{query.replace('&amp;', '&')}", HTTP_ACCEPT_LANGUAGE="th")
    assert chosen.context["near"]["label"] == label


def test_the_list_page_shows_the_map_of_the_same_search_and_ongoing_work(client):
    OpportunityFactory(
        title="ดูแลผู้สูงอายุ", schedule="ongoing", starts_on=None, ends_on=None, family_friendly=True
    )
    page = client.get(
        "/opportunities/",
        {"near": "เชียงใหม่", "radius_km": "25", "cause": "environment", "family_friendly": "true"},
        HTTP_ACCEPT_LANGUAGE="th",
    ).content.decode()
    assert "ดูแลผู้สูงอายุ" in page and "ต่อเนื่อง" in page
    link = re.search(r'<a href="(/\?[^"]+)">แสดงแผนที่</a>', page)[1].replace("&amp;", "&")
    assert (
        link
        == "/?near=%E0%B9%80%E0%B8%8A%E0%B8%B5%E0%B8%A2%E0%B8%87%E0%B9%83%E0%B8%AB%E0%B8%A1%E0%B9%88&cause=environment&family_friendly=true&r=25"
    )


def test_an_opportunity_without_shifts_says_how_to_join(client):
    organization = OrganizationFactory(phone="053-000-101", line_id="@doichildren")
    opportunity = OpportunityFactory(organization=organization, schedule="ongoing")
    page = client.get(f"/opportunities/{opportunity.pk}/", HTTP_ACCEPT_LANGUAGE="th")
    text = page.content.decode()
    assert "วิธีเข้าร่วม" in text and "ไม่มีรอบให้สมัคร" in text
    assert 'href="tel:053-000-101"' in text and "@doichildren" in text


def test_the_privacy_notice_is_public_and_linked_from_registration_and_every_page(client):
    registration = client.get("/accounts/register/", HTTP_ACCEPT_LANGUAGE="th").content.decode()
    assert registration.count('href="/privacy/"') == 2  # beside the consent, and in the footer
    notice = client.get("/privacy/", HTTP_ACCEPT_LANGUAGE="th")
    assert notice.status_code == 200
    text = notice.content.decode()
    assert "พ.ศ. 2562" in text and "ไม่มีใครเห็นข้อมูลนี้" in text
