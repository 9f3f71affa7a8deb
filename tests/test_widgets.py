"""Widgets for partner websites: an organization's (a province's, a cause's) open opportunities
in an <iframe>; the only pages that may be framed, and they set no cookie; staff get the snippet."""

import re

import pytest
from django.urls import reverse

from opportunities.models import Status
from tests.factories import OpportunityFactory, OrganizationFactory, UserFactory, staff_of

pytestmark = pytest.mark.django_db


def test_a_widget_lists_an_organizations_open_opportunities_and_may_be_framed(client):
    org = OrganizationFactory(name_th="มูลนิธิกระจกเงา")
    OpportunityFactory(organization=org, title="สอนหนังสือเด็ก")
    OpportunityFactory(organization=org, title="งานร่าง", status=Status.DRAFT)
    OpportunityFactory(title="งานขององค์กรอื่น")
    client.cookies.clear()
    answer = client.get("/widgets/opportunities/", {"organization": org.pk})
    text = answer.content.decode()
    assert "สอนหนังสือเด็ก" in text and "งานร่าง" not in text and "งานขององค์กรอื่น" not in text
    assert "CC BY-NC-SA 3.0 TH" in text and 'target="_blank"' in text
    assert "frame-ancestors *" in answer["Content-Security-Policy"]
    assert "X-Frame-Options" not in answer
    assert not answer.cookies, answer.cookies  # no session, no CSRF token: nothing that tracks
    # Every other page stays unframeable.
    home = client.get("/")
    assert home["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in home["Content-Security-Policy"]


def test_answers_that_are_not_pages_carry_a_policy_that_allows_nothing(client):
    """The pages' policy is built for each page (its nonce); an API answer, a tile or an export
    is no document to run anything in, and is never framed."""
    OpportunityFactory(title="สอนหนังสือเด็ก")
    for path in ("/api/v1/opportunities/", "/tiles/opportunities/6/50/29.geojson"):
        answer = client.get(path)
        assert answer.status_code == 200, path
        assert answer["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
    page = client.get("/opportunities/")
    assert "script-src 'self' 'nonce-" in page["Content-Security-Policy"]


def test_a_widget_for_a_province_or_a_cause_in_english_as_a_map(client):
    OpportunityFactory(title="ปลูกป่า", title_en="Plant trees", causes=["environment"])
    OpportunityFactory(title="งานกรุงเทพ", causes=["elderly"], area_id="100101", address="พระนคร")
    page = client.get("/en/widgets/opportunities/", {"cause": "environment", "view": "map"})
    text = page.content.decode()
    assert '<html lang="en">' in text and "Plant trees" in text and "งานกรุงเทพ" not in text
    assert 'id="widget-map"' in text and "widget-points" in text
    assert "งานกรุงเทพ" in client.get("/widgets/opportunities/", {"area": "10"}).content.decode()


def test_a_widget_says_what_is_wrong_in_thai(client):
    for params, said in [
        ({"color": "red;}body{display:none"}, "สีเป็นเลขฐานสิบหก 6 หลัก"),
        ({"cause": "spaceship"}, "ไม่รู้จักค่า “spaceship”"),
        ({"view": "video"}, "ไม่รู้จักค่า “video”"),
    ]:
        page = client.get("/widgets/opportunities/", params, HTTP_ACCEPT_LANGUAGE="th")
        assert page.status_code == 200
        text = page.content.decode()
        assert said in text, params
        assert "display:none" not in text


def test_staff_get_the_snippet_of_their_organization_with_a_preview(client):
    org = OrganizationFactory(name_th="มูลนิธิกระจกเงา")
    page = reverse("manage-widget", args=[org.pk])
    client.force_login(UserFactory())
    assert client.get(page).status_code == 404  # not theirs
    client.force_login(staff_of(org))
    shown = client.get(
        page, {"language": "en", "view": "map", "colour": "#aa3300", "shown": "5"}
    ).content.decode()
    code = re.search(r'<textarea id="widget-code"[^>]*>([^<]+)</textarea>', shown)[1]
    assert f"/en/widgets/opportunities/?organization={org.pk}&amp;amp;view=map" in code
    assert "color=aa3300" in code and "shown=5" in code and "sandbox=" in code
    assert '<iframe src="http://testserver/en/widgets/opportunities/' in shown  # the preview
    dashboard = client.get("/manage/", HTTP_ACCEPT_LANGUAGE="th").content.decode()
    assert f'href="{page}"' in dashboard
    # A province's opportunities for a cause, from every organization.
    shown = client.get(page, {"scope": "province", "cause": "elderly"}).content.decode()
    code = re.search(r'<textarea id="widget-code"[^>]*>([^<]+)</textarea>', shown)[1]
    assert "/widgets/opportunities/?area=50&amp;amp;cause=elderly" in code
    assert "organization=" not in code
    # A mistake is said beside its field, and the rest of the choice is kept.
    shown = client.get(page, {"view": "map", "shown": "500"}, HTTP_ACCEPT_LANGUAGE="th")
    text = shown.content.decode()
    assert "view=map" in text and "shown=6" in text
    assert "น้อยกว่าหรือเท่ากับ 20" in text
