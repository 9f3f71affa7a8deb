"""The organization directory (/organizations/ and the API's filters): Thai names found without
word boundaries, with and without their prefixes; types, areas, causes, open work, verified;
by name, newest or distance; paged by cursor."""

import datetime
import re

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone

from opportunities.models import Status
from places.models import ModerationStatus, Organization, name_words
from tests.factories import OpportunityFactory, OrganizationFactory

pytestmark = pytest.mark.django_db

BANGKOK = Point(100.4930, 13.7520, srid=4326)
LAMPHUN = Point(99.0087, 18.5786, srid=4326)  # 29 km south of Chiang Mai's centre


def listed(client, **params):
    """The names the directory page lists, in order, and the page's text."""
    page = client.get("/organizations/", params, HTTP_ACCEPT_LANGUAGE="th")
    assert page.status_code == 200
    text = page.content.decode()
    return re.findall(r'<a href="/organizations/\d+/">([^<]+)</a>', text), text


def api_names(client, **params):
    response = client.get("/api/v1/organizations/", params)
    assert response.status_code == 200, response.content
    return [f["properties"]["name_th"] for f in response.json()["features"]]


def test_a_prefix_is_taken_from_a_word_the_longest_first():
    assert name_words("มูลนิธิกระจกเงา") == ["กระจกเงา"]
    assert name_words("องค์การบริหารส่วนตำบลหนองหาร") == ["หนองหาร"]
    assert name_words("อบต.หนองหาร") == ["หนองหาร"]
    assert name_words("มูลนิธิ กระจกเงา") == ["มูลนิธิ", "กระจกเงา"]  # a lone prefix is a word


def test_thai_names_are_found_without_word_boundaries_with_and_without_their_prefix(client):
    OrganizationFactory(name_th="มูลนิธิกระจกเงา", name_en="The Mirror Foundation")
    OrganizationFactory(name_th="ยุวพัฒน์", name_en="")  # kept without its prefix
    OrganizationFactory(name_th="องค์การบริหารส่วนตำบลหนองหาร", name_en="", kind="local")
    OrganizationFactory(name_th="ชมรมจิตอาสาริมปิง", name_en="Ping River Volunteers")

    assert listed(client, q="กระจกเงา")[0] == ["มูลนิธิกระจกเงา"]
    assert listed(client, q="จกเง")[0] == ["มูลนิธิกระจกเงา"]  # inside a word
    assert listed(client, q="มูลนิธิกระจกเงา")[0] == ["มูลนิธิกระจกเงา"]
    assert listed(client, q="มูลนิธิยุวพัฒน์")[0] == ["ยุวพัฒน์"]
    assert listed(client, q="อบต.หนองหาร")[0] == ["องค์การบริหารส่วนตำบลหนองหาร"]
    assert listed(client, q="mirror")[0] == ["มูลนิธิกระจกเงา"]
    assert listed(client, q="มูลนิธิ")[0] == ["มูลนิธิกระจกเงา"]
    assert listed(client, q="ริมปิง จิตอาสา")[0] == ["ชมรมจิตอาสาริมปิง"]
    names, text = listed(client, q="ไม่มีชื่อนี้")
    assert names == [] and "ไม่พบองค์กร" in text
    assert api_names(client, q="มูลนิธิยุวพัฒน์") == ["ยุวพัฒน์"]


def test_filters_by_type_province_district_cause_open_work_and_verified(client):
    temple = OrganizationFactory(name_th="วัดสวนดอก", kind="religious", verified=False)
    school = OrganizationFactory(name_th="โรงเรียนบ้านป่าแดด", kind="education")
    bangkok = OrganizationFactory(
        name_th="มูลนิธิในกรุง", location=BANGKOK, area_id="100101", address="พระนคร"
    )
    OrganizationFactory(name_th="มูลนิธิที่ยังไม่ตรวจ", status=ModerationStatus.PENDING)
    OpportunityFactory(organization=school, causes=["education"])
    OpportunityFactory(organization=temple, causes=["elderly"], status=Status.DRAFT)
    past = timezone.localdate() - datetime.timedelta(days=30)
    OpportunityFactory(organization=bangkok, causes=["elderly"], starts_on=past, ends_on=past)

    assert listed(client, kind="religious")[0] == ["วัดสวนดอก"]
    assert api_names(client, kind="religious,education") == ["โรงเรียนบ้านป่าแดด", "วัดสวนดอก"]
    assert listed(client, province="10")[0] == ["มูลนิธิในกรุง"]
    assert listed(client, province="50", amphoe="5001")[0] == ["โรงเรียนบ้านป่าแดด", "วัดสวนดอก"]
    # A district of another province than the one chosen is not a reason to list nothing.
    assert listed(client, province="10", amphoe="5001")[0] == ["มูลนิธิในกรุง"]
    # What an organization works for is what its published opportunities are for, past or not.
    assert listed(client, cause="elderly")[0] == ["มูลนิธิในกรุง"]
    assert listed(client, open="true")[0] == ["โรงเรียนบ้านป่าแดด"]
    assert listed(client, verified="true")[0] == ["มูลนิธิในกรุง", "โรงเรียนบ้านป่าแดด"]
    # Nothing unreviewed is public.
    assert "มูลนิธิที่ยังไม่ตรวจ" not in listed(client)[1]


def test_by_name_newest_or_distance_from_a_typed_place(client):
    far = OrganizationFactory(name_th="ก ลำพูนอาสา", location=LAMPHUN)
    near = OrganizationFactory(name_th="ข เชียงใหม่อาสา")
    bangkok = OrganizationFactory(name_th="ค กรุงเทพอาสา", location=BANGKOK, area_id="100101")
    Organization.objects.filter(pk=near.pk).update(
        created_at=timezone.now() + datetime.timedelta(1)
    )

    assert listed(client)[0] == [far.name_th, near.name_th, bangkok.name_th]
    assert listed(client, sort="newest")[0] == [near.name_th, bangkok.name_th, far.name_th]
    names, text = listed(client, near="เชียงใหม่", radius_km="50")
    assert names == [near.name_th, far.name_th]  # nearest first, Bangkok beyond 50 km
    assert re.search(r"ข เชียงใหม่อาสา</a>.*?· \d+\.\d กม\.", text, re.S)
    assert "ภายใน 50 กม. จาก" in text
    # Words with few matches are sorted, in either order, on the page and in the API.
    assert listed(client, q="อาสา", sort="newest")[0] == [
        near.name_th,
        bangkok.name_th,
        far.name_th,
    ]
    assert api_names(client, q="อาสา", sort="newest") == [
        near.name_th,
        bangkok.name_th,
        far.name_th,
    ]
    assert api_names(client, q="อาสา") == [far.name_th, near.name_th, bangkok.name_th]
    # A place and another order: within the radius, in that order.
    assert listed(client, near="เชียงใหม่", radius_km="50", sort="newest")[0] == [
        near.name_th,
        far.name_th,
    ]


def test_mistakes_are_said_in_thai_and_lose_nothing_typed(client):
    OrganizationFactory(name_th="มูลนิธิกระจกเงา")
    names, text = listed(client, q="กระจก", sort="distance")
    assert names == [] and "ระบุสถานที่เพื่อเรียงตามระยะทาง" in text
    assert 'value="กระจก"' in text
    names, text = listed(client, kind="spaceship")
    assert names == [] and "ไม่รู้จักค่า “spaceship”" in text
    names, text = listed(client, near="ในเมือง", q="กระจก")
    assert "คุณหมายถึงที่ไหน?" in text and "q=%E0%B8%81%E0%B8%A3%E0%B8%B0" in text


def test_pages_follow_a_cursor_and_number_on(client):
    for n in range(25):
        OrganizationFactory(name_th=f"กลุ่มอาสา {n:02d}")
    for params in ({}, {"q": "กลุ่มอาสา"}):  # walking the order, or sorting a search's matches
        first, text = listed(client, **params)
        assert first == [f"กลุ่มอาสา {n:02d}" for n in range(20)]
        following = re.search(r'<a href="\?([^"]+)" rel="next">', text)[1].replace("&amp;", "&")
        page = client.get(f"/organizations/?{following}", HTTP_ACCEPT_LANGUAGE="th")
        text = page.content.decode()
        assert re.findall(r'<a href="/organizations/\d+/">([^<]+)</a>', text) == [
            f"กลุ่มอาสา {n:02d}" for n in range(20, 25)
        ]
        assert '<ol class="results" start="21">' in text and 'rel="next"' not in text


def test_the_directory_is_linked_from_every_page_and_leads_to_the_organization(client):
    organization = OrganizationFactory(name_th="มูลนิธิกระจกเงา", verified=True)
    OpportunityFactory(organization=organization, title="สอนหนังสือเด็กดอย")
    home = client.get("/", HTTP_ACCEPT_LANGUAGE="th").content.decode()
    assert re.search(r'<a id="organizations" href="/organizations/">ทำเนียบองค์กร</a>', home)
    assert '<a href="/organizations/">องค์กร</a>' in home  # the footer, on every page
    detail = client.get(f"/organizations/{organization.pk}/", HTTP_ACCEPT_LANGUAGE="th")
    text = detail.content.decode()
    assert "สอนหนังสือเด็กดอย" in text and "ยืนยันโดยผู้ดูแลเครือข่ายแล้ว" in text


def test_an_organizations_work_follows_every_write_to_its_opportunities(client):
    from opportunities.models import Opportunity

    first, second = OrganizationFactory(name_th="ก กลุ่มแรก"), OrganizationFactory(name_th="ข กลุ่มสอง")
    one = OpportunityFactory(organization=first, causes=["elderly"])
    assert listed(client, cause="elderly")[0] == [first.name_th]
    assert listed(client, open="true")[0] == [first.name_th]

    Opportunity.objects.filter(pk=one.pk).update(organization=second)  # a bulk write
    assert listed(client, cause="elderly")[0] == [second.name_th]

    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    Opportunity.objects.filter(pk=one.pk).update(starts_on=yesterday, ends_on=yesterday)
    assert listed(client, open="true")[0] == []  # ended: what it did still counts
    assert listed(client, cause="elderly")[0] == [second.name_th]

    OpportunityFactory(organization=second, causes=["arts"], starts_on=None, ends_on=None)
    assert listed(client, open="true")[0] == [second.name_th]  # no end: open for good
    assert api_names(client, cause="arts,elderly", open="true") == [second.name_th]

    one.status = Status.CLOSED
    one.save()
    assert listed(client, cause="elderly")[0] == []
    Opportunity.objects.filter(organization=second).delete()
    assert listed(client, cause="arts")[0] == [] and listed(client, open="true")[0] == []


def test_a_two_letter_word_is_found(client):
    # (Through the bigram index at scale: bench/directory.py, "q= a place's name".)
    OrganizationFactory(name_th="กลุ่มอาสาตำบลยม")
    OrganizationFactory(name_th="ชมรมบ้านยาง")
    assert listed(client, q="ยม")[0] == ["กลุ่มอาสาตำบลยม"]
    assert listed(client, q="ยม กลุ่ม")[0] == ["กลุ่มอาสาตำบลยม"]
    assert listed(client, q="ยมบ")[0] == []
    assert len(api_names(client, q="ม")) == 2  # one letter: every name with it
