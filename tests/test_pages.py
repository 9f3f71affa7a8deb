"""Lists page by cursor (common.pages): every row once, in the list's order, however many pages;
a deep page is read through the index from where the page before stopped, never by OFFSET; a
damaged or outdated link says so in the reader's language."""

import datetime

import pytest
from django.utils import timezone

from needs.models import Need
from opportunities.models import NEWEST, SOONEST, Opportunity
from tests.conftest import api
from tests.factories import (
    NeedFactory,
    OpportunityFactory,
    OrganizationFactory,
    coordinator,
)

pytestmark = pytest.mark.django_db


def walk(client, url, params=None):
    """Every page from the first, following `next`: [[ids of a page], …]."""
    pages, response = [], client.get(url, params or {})
    while True:
        assert response.status_code == 200, response.content
        body = response.json()
        pages.append([f["id"] for f in body["features"]])
        if not body["next"]:
            return pages
        assert "page=" not in body["next"] and "after=" in body["next"]
        response = client.get(body["next"])


def test_the_api_lists_every_opportunity_once_newest_first(client):
    now = timezone.now()
    same_moment = now - datetime.timedelta(days=2)
    made = [
        OpportunityFactory(published_at=now - datetime.timedelta(hours=h)) for h in (5, 1, 9, 3)
    ]
    made += [OpportunityFactory(published_at=same_moment) for _ in range(4)]  # ties: by id
    pages = walk(client, "/api/v1/opportunities/", {"page_size": 3})
    assert [len(p) for p in pages] == [3, 3, 2]
    newest = sorted(made, key=lambda o: (o.published_at, o.pk), reverse=True)
    assert [pk for page in pages for pk in page] == [o.pk for o in newest]


def test_a_filtered_list_pages_alike(client):
    wanted = [OpportunityFactory(causes=["animals"]) for _ in range(5)]
    OpportunityFactory.create_batch(4, causes=["education"])
    pages = walk(client, "/api/v1/opportunities/", {"cause": "animals", "page_size": 2})
    assert sorted(pk for page in pages for pk in page) == sorted(o.pk for o in wanted)


def test_words_are_found_in_thai_without_spaces_and_in_the_organization_name(client):
    planting = OpportunityFactory(title="ปลูกป่าชายเลนที่บางปู", title_en="")
    by_name = OpportunityFactory(
        title="งานวันเสาร์", organization=OrganizationFactory(name_th="ชมรมป่าชายเลนสมุทรปราการ")
    )
    OpportunityFactory(title="สอนหนังสือเด็ก")
    found = walk(client, "/api/v1/opportunities/", {"q": "ชายเลน"})
    assert sorted(found[0]) == sorted([planting.pk, by_name.pk])
    assert walk(client, "/api/v1/opportunities/", {"q": "ชายเลน บางปู"}) == [[planting.pk]]
    assert walk(client, "/api/v1/opportunities/", {"q": "mangrove"}) == [[]]


def test_deep_pages_start_from_the_cursor_through_the_index():
    """The plan of a page after a cursor is an index range, not a scan from the first row (with
    sequential scans priced out: three rows are read faster whole, a million are not)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    queryset = Opportunity.objects.published().newest_first()
    OpportunityFactory.create_batch(3)
    last = queryset.first()
    plan = NEWEST.after(queryset, NEWEST.cursor(last))[:51].explain()
    assert "opportunity_newest" in plan and "Index Cond: (ROW(" in plan, plan
    plan = SOONEST.after(
        Opportunity.objects.published().soonest_first(), SOONEST.cursor(last_soonest())
    )[:21].explain()
    assert "opportunity_soonest" in plan and "Index Cond: (ROW(" in plan, plan


def last_soonest():
    return Opportunity.objects.published().soonest_first().first()


def test_organizations_page_by_name(client):
    made = [OrganizationFactory(name_th=name) for name in ("ค", "ก", "ข", "ก", "ง")]
    pages = walk(client, "/api/v1/organizations/", {"page_size": 2})
    by_name = sorted(made, key=lambda o: (o.name_th, o.pk))
    assert [pk for page in pages for pk in page] == [o.pk for o in by_name]


def test_needs_page_most_urgent_first():
    user = coordinator()
    made = [
        NeedFactory(urgency=u, people_affected=p)
        for u, p in ((1, 5), (3, 1), (3, 9), (2, 2), (3, 9))
    ]
    client = api(user)
    pages = walk(client, "/api/v1/needs/", {"page_size": 2})
    expected = Need.objects.filter(pk__in=[n.pk for n in made]).order_by(
        "-urgency", "-people_affected", "created_at", "id"
    )
    assert [pk for page in pages for pk in page] == [n.pk for n in expected]


@pytest.mark.parametrize(
    "after",
    ["nonsense", "W10", "WyJuZXdlc3QiLDEsMl0", "WyJzb29uZXN0IiwiMjAyNi0wMS0wMSIsMV0", "x" * 400],
)
def test_a_damaged_link_is_refused_in_thai(client, after):
    OpportunityFactory()
    response = client.get("/api/v1/opportunities/", {"after": after}, HTTP_ACCEPT_LANGUAGE="th")
    assert response.status_code == 400
    assert "หน้าแรก" in response.json()["after"][0]


def test_a_page_number_is_refused_with_the_way_on(client):
    response = client.get("/api/v1/opportunities/", {"page": "2"}, HTTP_ACCEPT_LANGUAGE="th")
    assert response.status_code == 400 and "ถัดไป" in response.json()["page"][0]
    assert client.get("/api/v1/opportunities/", {"page": "1"}).status_code == 200


def test_the_list_page_follows_the_same_cursors(client):
    made = OpportunityFactory.create_batch(45)
    seen, url = [], "/opportunities/"
    while url:
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="th")
        assert response.status_code == 200
        rows = response.context["opportunities"]
        seen += [o.pk for o in rows]
        following = response.context["next_page"]
        url = f"/opportunities/?{following}" if following else None
        if following:
            assert len(rows) == 20
    assert sorted(seen) == sorted(o.pk for o in made) and len(seen) == len(set(seen))


def test_a_long_thai_name_at_the_end_of_a_page_leads_on(client):
    long_name = "มูลนิธิเพื่อการพัฒนาชุมชนและสิ่งแวดล้อมอย่างยั่งยืน" * 4  # 200 characters
    made = [OrganizationFactory(name_th=long_name[:200]) for _ in range(3)]
    pages = walk(client, "/api/v1/organizations/", {"page_size": 1})
    assert [pk for page in pages for pk in page] == sorted(o.pk for o in made)


def test_only_cursors_the_site_wrote_are_read(client, settings):
    """A cursor is signed: one made by hand (a name with a NUL that PostgreSQL would refuse, or a
    radius search started deep down) is a damaged link, never a 500 or a way past the limit."""
    import base64
    import json

    OrganizationFactory()
    forged = base64.urlsafe_b64encode(json.dumps(["by_name", "\u0000", 1]).encode()).decode()
    response = client.get("/api/v1/organizations/", {"after": forged}, HTTP_ACCEPT_LANGUAGE="th")
    assert response.status_code == 400 and "หน้าแรก" in response.json()["after"][0]
    OpportunityFactory.create_batch(2)
    following = client.get("/api/v1/opportunities/", {"page_size": 1}).json()["next"]
    assert client.get(following).status_code == 200
    settings.SECRET_KEY = "another-" + "k" * 50  # as a site with another key signed it
    assert client.get(following).status_code == 400


def test_a_rare_word_is_looked_up_through_the_trigram_index():
    """With statistics on the searched text, PostgreSQL knows a word in a few titles is rare and
    reads them through the trigram index, rather than walking the newest-first order."""
    from django.db import connection

    organization = OpportunityFactory().organization
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO opportunities_opportunity
                (organization_id, title, title_en, description, causes, skills, languages, mode,
                 schedule, use_organization_location, volunteers_needed, family_friendly,
                 accessibility_notes, status, rejection_reason, address, precision,
                 published_at, created_at, updated_at)
            SELECT %s, 'งานอาสาทดสอบ ' || i, '', '', '{}', '{}', '{}', 'remote', 'ongoing',
                   false, 1, false, '', 'published', '', '', '', now(), now(), now()
            FROM generate_series(1, 30000) AS i
            """,
            [organization.pk],
        )
        # The index as a quiet moment leaves it: the entries that earlier tests inserted (and
        # rolled back) wait in the GIN pending list, which every search reads through until
        # autovacuum moves them, and which the planner counts against the index.
        cursor.execute("SELECT gin_clean_pending_list('opportunity_searched_text'::regclass)")
        cursor.execute("ANALYZE opportunities_opportunity")
    rare = Opportunity.objects.published().search("9876").newest_first()[:51]
    assert "Bitmap Index Scan on opportunity_searched_text" in rare.explain()
    common = Opportunity.objects.published().search("ทดสอบ").newest_first()[:51]
    assert "Index Scan using opportunity_newest" in common.explain()


def test_the_list_form_searches_words_without_a_place(client):
    """The form always sends its distance box; without a place it is no search by distance."""
    teaching = OpportunityFactory(title="สอนหนังสือเด็กที่วัด")
    OpportunityFactory(title="ปลูกป่า")
    response = client.get(
        "/opportunities/", {"near": "", "radius_km": "10", "q": "สอน"}, HTTP_ACCEPT_LANGUAGE="th"
    )
    assert response.status_code == 200 and response.context["error"] is None
    assert [o.pk for o in response.context["opportunities"]] == [teaching.pk]
    assert 'value="10" selected' in response.content.decode()  # the box keeps its value


def test_words_too_short_for_the_index_are_looked_for_among_the_newest_and_say_so(
    client, monkeypatch
):
    """A word of one or two letters ("ไฟ") has no trigram: the lists look for it among the newest
    only (bounded work for any such word) and say so; an export still finds every one."""
    import csv
    import io

    from opportunities import filters

    monkeypatch.setattr(filters, "SHORT_WORDS_AMONG", 2)
    now = timezone.now()
    fires = [
        OpportunityFactory(title=f"ดับไฟป่า {i}", published_at=now - datetime.timedelta(hours=i))
        for i in range(3)
    ]
    OpportunityFactory(title="ปลูกป่า", published_at=now)  # the newest, without the word

    body = api().get("/api/v1/opportunities/", {"q": "ไฟ"}, HTTP_ACCEPT_LANGUAGE="th").json()
    assert [f["id"] for f in body["features"]] == [fires[0].pk]  # among the 2 newest
    assert body["search"]["short_words_among"] == 2
    assert body["search"]["detail"].startswith("คำที่สั้นกว่า 3 ตัวอักษร")

    page = client.get("/opportunities/", {"q": "ไฟ"}, HTTP_ACCEPT_LANGUAGE="th")
    assert [o.pk for o in page.context["opportunities"]] == [fires[0].pk]
    assert "คำที่สั้นกว่า 3 ตัวอักษร" in page.content.decode()

    longer = api().get("/api/v1/opportunities/", {"q": "ไฟป่า"}).json()  # through the index
    assert len(longer["features"]) == 3 and "search" not in longer

    exported = client.get("/exports/opportunities.csv", {"q": "ไฟ"})
    rows = list(csv.DictReader(io.StringIO(b"".join(exported.streaming_content).decode())))
    assert sorted(int(r["id"]) for r in rows) == sorted(o.pk for o in fires)  # every one


def test_a_short_word_is_found_in_any_case_and_in_organizations_few_or_many(monkeypatch):
    """A short word with letters that have case ("AI") is looked for in upper case, a Thai one as
    written; in organizations' names it is found through their bigrams when few have it, and
    through a subquery when more do than a list carries."""
    from opportunities import models

    first_aid = OpportunityFactory(title="อบรม", title_en="First aid for volunteers")
    by_name = OpportunityFactory(
        title="งานวันเสาร์", organization=OrganizationFactory(name_th="กลุ่มอาสาตำบลยม")
    )
    in_title = OpportunityFactory(title="ปั่นจักรยานรอบบึงยม")
    OpportunityFactory(title="ปลูกป่า", organization=OrganizationFactory(name_th="ชมรมรักษ์ป่า"))

    def found(q):
        body = api().get("/api/v1/opportunities/", {"q": q}).json()
        return sorted(f["id"] for f in body["features"])

    assert found("AI") == found("ai") == [first_aid.pk]
    assert found("ยม") == sorted([by_name.pk, in_title.pk])
    assert found("ฝฝ") == []
    monkeypatch.setattr(models, "NAMED_INLINE", 0)  # any name is more than the list carries
    assert found("ยม") == sorted([by_name.pk, in_title.pk])
    assert found("ฝฝ") == []
