"""Coordinators: needs, incidents (drawn or uploaded areas), uncovered needs, coverage per area
with k-anonymous volunteer counts, its full and incremental refresh, the hotline CSV import,
exports, disaster mode on the public map, and who may do what."""

import gzip
import json
import shutil
import subprocess
import zipfile
from datetime import date

import pytest
from django.contrib.gis.geos import Point
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.db.models import Count, F, Q, Sum
from django.utils import translation
from rest_framework.test import APIClient

from needs import coverage
from needs import models as needs_models
from needs.api import coverage_feature_json
from needs.importing import import_needs
from needs.models import (
    AreaHelp,
    CoverageDirty,
    HelpChange,
    Incident,
    Need,
    NeedHelp,
    OpenNeeds,
)
from needs.sql import HELP_CHANGES_LISTED
from places.models import Area, Organization
from tests.conftest import api, streamed
from tests.factories import (
    CHIANG_MAI,
    IncidentFactory,
    NeedFactory,
    OpportunityFactory,
    OrganizationFactory,
    ShiftFactory,
    UserFactory,
    VolunteerFactory,
    coordinator,
    moderator,
    staff_of,
)
from volunteers import signups

pytestmark = pytest.mark.django_db


def point_of(code):
    return Area.objects.get(code=code).point


def far_need(**fields):
    """A need in Mae Hong Son (580101), far from the factories' Chiang Mai."""
    return NeedFactory(
        location=Point(*point_of("580101").coords, srid=4326), area_id="580101", **fields
    )


# --- needs -------------------------------------------------------------------------------------


def test_a_coordinator_reports_a_need_by_address_and_sees_the_contacts():
    client = api(coordinator())
    response = client.post(
        "/api/v1/needs/",
        {
            "title": "อาหารและน้ำดื่ม 40 ครัวเรือน",
            "category": "food_water",
            "urgency": 4,
            "people_affected": 120,
            "address": "ต.วารินชำราบ อ.วารินชำราบ จ.อุบลราชธานี",
            "reporter_name": "อบต.",
            "reporter_phone": "045000000",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    feature = response.json()
    assert feature["properties"]["tambon"].startswith("34")  # Ubon Ratchathani
    assert feature["properties"]["reporter"]["phone"] == "045000000"
    assert feature["geometry"]["type"] == "Point"
    bad = client.post(
        "/api/v1/needs/",
        {"title": "x", "category": "food_water", "address": "Springfield USA"},
        format="json",
    )
    assert bad.status_code == 400 and "address" in bad.json()
    bad = client.post(
        "/api/v1/needs/",
        {
            "title": "x",
            "category": "unicorns",
            "location": {"type": "Point", "coordinates": [100.5, 13.7]},
        },
        format="json",
    )
    assert bad.status_code == 400 and "category" in bad.json()
    swapped = client.post(
        "/api/v1/needs/",
        {
            "title": "x",
            "category": "rescue",
            "location": {"type": "Point", "coordinates": [13.7, 100.5]},
        },
        format="json",
    )
    assert (
        swapped.status_code == 400
        and "swapped" not in swapped.json()
        and "[lon, lat]" in str(swapped.json())
    )


def test_organization_staff_report_needs_see_only_theirs_and_cannot_assign():
    org = OpportunityFactory().organization
    staff = staff_of(org)
    NeedFactory()  # someone else's
    client = api(staff)
    body = {
        "title": "ต้องการอาสาซ่อมบ้าน",
        "category": "repairs",
        "location": {"type": "Point", "coordinates": [98.98, 18.79]},
        "reporting_organization": org.pk,
    }
    response = client.post("/api/v1/needs/", body, format="json")
    assert response.status_code == 201
    mine = client.get("/api/v1/needs/").json()["features"]
    assert [f["id"] for f in mine] == [response.json()["id"]]
    assert "reporter" in mine[0]["properties"]  # their own report
    response = client.patch(
        f"/api/v1/needs/{mine[0]['id']}/", {"status": "resolved"}, format="json"
    )
    assert response.status_code == 400 and "status" in response.json()
    other = staff_of(OpportunityFactory().organization)
    assert (
        api(other)
        .post("/api/v1/needs/", {**body, "reporting_organization": org.pk}, format="json")
        .status_code
        == 400
    )
    assert (
        api(UserFactory())
        .post("/api/v1/needs/", {**body, "reporting_organization": None}, format="json")
        .status_code
        == 403
    )
    # Registering an organization is not enough: a moderator has to approve it first.
    unapproved = OrganizationFactory(status="pending", verified=False)
    client = api(staff_of(unapproved))
    named = client.post(
        "/api/v1/needs/", {**body, "reporting_organization": unapproved.pk}, format="json"
    )
    assert named.status_code == 400 and "reporting_organization" in named.json()
    unnamed = client.post("/api/v1/needs/", {**body, "reporting_organization": None}, format="json")
    assert unnamed.status_code == 403
    assert not Need.objects.filter(title=body["title"]).exclude(reporting_organization=org).exists()


def test_uncovered_needs_are_those_without_a_published_opportunity_near_most_urgent_first():
    OpportunityFactory(location=CHIANG_MAI)  # covers the Chiang Mai need
    OpportunityFactory(location=Point(*point_of("580101").coords, srid=4326), status="draft")
    covered = NeedFactory()
    urgent, medium = far_need(urgency=4), far_need(urgency=2)
    NeedFactory(status="resolved", location=urgent.location, area_id="580101")
    client = api(coordinator())
    answer = client.get("/api/v1/needs/uncovered/?km=20").json()
    assert [f["id"] for f in answer["features"]] == [urgent.pk, medium.pk]
    assert covered.pk not in [f["id"] for f in answer["features"]]
    far_km = client.get("/api/v1/needs/uncovered/?km=200").json()["features"]
    assert far_km == []  # Chiang Mai's opportunity is within 200 km of Mae Hong Son
    assert client.get("/api/v1/needs/uncovered/?km=0").status_code == 400
    assert client.get("/api/v1/needs/uncovered/?km=abc").status_code == 400


# --- coverage ----------------------------------------------------------------------------------


def test_coverage_explains_the_gap_and_hides_small_volunteer_counts():
    far_need(urgency=4, people_affected=50)
    far_need(urgency=2)
    NeedFactory()
    OpportunityFactory(location=CHIANG_MAI)
    for _ in range(3):
        VolunteerFactory(home=Point(*point_of("580101").coords, srid=4326), travel_radius_km=30)
    coverage.refresh(full=True)
    with translation.override("en"):
        rows = {r["area"].code: r for r in coverage.coverage("tambon")}
    assert set(rows) == {"580101", "500101"}
    gap = rows["580101"]
    assert (gap["needs"], gap["critical"], gap["people"], gap["opportunities_near"]) == (
        2,
        1,
        70,
        0,
    )
    assert gap["volunteers"] is None  # three: too few to show
    assert gap["gap"] == 6.0  # (4 + 2) / (1 + 0)
    assert gap["explanation"] == (
        "2 open needs (1 critical), 0 opportunities within 20 km, none within 100 km, "
        "0 free places, fewer than 5 volunteers"
    )
    near = rows["500101"]
    assert near["explanation"].startswith("1 open need, 1 opportunity within 20 km, 0 free places")
    assert rows["500101"]["gap"] < gap["gap"]
    assert coverage.coverage("tambon")[0]["area"].code == "580101"  # worst first
    provinces = {r["area"].code: r for r in coverage.coverage("province")}
    assert provinces["58"]["needs"] == 2
    for _ in range(2):
        VolunteerFactory(home=Point(*point_of("580101").coords, srid=4326), travel_radius_km=30)
    coverage.refresh()
    assert {r["area"].code: r for r in coverage.coverage("tambon")}["580101"]["volunteers"] == 5


def test_each_area_is_explained_with_its_own_figures_in_the_asked_language():
    """The phrases are said once per answer and reused: a reused one must still be the row's own."""

    def row(needs, critical, near, nearest_km, free, volunteers):
        return {
            "needs": needs,
            "critical": critical,
            "opportunities_near": near,
            "nearest_km": nearest_km,
            "free_places": free,
            "volunteers": volunteers,
        }

    rows = [
        row(3, 1, 20, 0.4, 12, None),  # counted up to the cap
        row(3, 0, 0, 33.6, 1, 0),
        row(1, 1, 1, 0.2, 12, 7),
        row(3, 0, 0, None, 0, 0),
    ]
    words = coverage.Words("en")
    said = [coverage.explain(r, words) for r in rows]
    assert said == [
        "3 open needs (1 critical), 20+ opportunities within 20 km, 12 free places, "
        "fewer than 5 volunteers",
        "3 open needs, 0 opportunities within 20 km, nearest 34 km away, 1 free place, "
        "0 volunteers",
        "1 open need (1 critical), 1 opportunity within 20 km, 12 free places, 7 volunteers",
        "3 open needs, 0 opportunities within 20 km, none within 100 km, 0 free places, "
        "0 volunteers",
    ]
    thai = coverage.explain(rows[1], coverage.Words("th"))
    assert "ใกล้ที่สุดห่าง 34 กม." in thai and "open" not in thai


def test_coverage_filters_by_incident_category_and_time():
    flood = IncidentFactory()
    far_need(incident=flood, category="rescue")
    far_need(category="shelter")
    assert coverage.coverage("tambon", incident=flood.pk)[0]["needs"] == 1
    assert coverage.coverage("tambon", category="shelter")[0]["needs"] == 1
    assert coverage.coverage("tambon", category="medical") == []


def test_free_places_count_shifts_to_come_minus_confirmed():
    opportunity = OpportunityFactory()
    shift = ShiftFactory(opportunity=opportunity, capacity=5)
    signups.sign_up(VolunteerFactory().user, shift.pk)
    NeedFactory()
    coverage.refresh(full=True)
    assert AreaHelp.objects.get(area_id="500101").free_places == 4
    assert AreaHelp.objects.get(area_id="50").free_places == 4


def test_incremental_refresh_recomputes_only_nearby_areas_and_agrees_with_a_full_one():
    far_need()
    coverage.refresh(full=True)
    assert not CoverageDirty.objects.exists()
    assert coverage.refresh().mode == "nothing"
    OpportunityFactory(location=Point(*point_of("580101").coords, srid=4326), area_id="580101")
    assert CoverageDirty.objects.exists()
    run = coverage.refresh()
    assert run.mode == "incremental" and 0 < run.areas < Area.objects.count() / 10
    incremental = {
        h.area_id: (h.opportunities_in, h.opportunities_near, h.nearest_km)
        for h in AreaHelp.objects.all()
    }
    assert incremental["580101"][:2] == (1, 1) and incremental["58"][0] == 1
    coverage.refresh(full=True)
    full = {
        h.area_id: (h.opportunities_in, h.opportunities_near, h.nearest_km)
        for h in AreaHelp.objects.all()
    }
    assert incremental == full
    call_command("refresh_coverage")


def test_coverage_api_and_exports(client):
    far_need(urgency=4)
    coverage.refresh(full=True)
    user = coordinator()
    answer = api(user).get("/api/v1/coverage/?level=amphoe").json()
    [feature] = answer["features"]
    assert feature["id"] == "5801" and feature["properties"]["gap_score"] == 4.0
    assert "CC BY-NC-SA 3.0 TH" in answer["attribution"]
    assert api(user).get("/api/v1/coverage/?level=village").status_code == 400
    client.force_login(user)
    csv_text = b"".join(client.get("/exports/coverage.csv?level=tambon").streaming_content).decode()
    assert csv_text.splitlines()[0].startswith("code,level,name_th") and "580101" in csv_text
    assert "CC BY-NC-SA 3.0 TH" in csv_text.splitlines()[1]
    uncovered = b"".join(client.get("/exports/uncovered-needs.csv").streaming_content).decode()
    assert "ต้องการน้ำดื่ม" in uncovered and "0890000000" not in uncovered  # no contacts
    geojson = json.loads(streamed(client.get("/exports/uncovered-needs.geojson")))
    assert "reporter" not in geojson["features"][0]["properties"]
    assert client.get("/exports/coverage.csv?level=x").status_code == 400


# --- incidents ---------------------------------------------------------------------------------

SQUARE = {
    "type": "Polygon",
    "coordinates": [[[104.7, 15.1], [105.0, 15.1], [105.0, 15.4], [104.7, 15.4], [104.7, 15.1]]],
}


def test_coverage_is_built_once_per_version_and_follows_every_write():
    coordinating = api(coordinator())
    gzip_only = {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br"}

    def areas(**headers):
        answer = coordinating.get("/api/v1/coverage/?level=tambon", **headers)
        assert answer.status_code == 200 and answer["Cache-Control"] == "private, no-cache"
        body = gzip.decompress(answer.content) if answer.get("Content-Encoding") else answer.content
        return answer["ETag"], {f["id"]: f["properties"] for f in json.loads(body)["features"]}

    need = far_need(urgency=4)
    coverage.refresh(full=True)
    etag, first = areas(**gzip_only)
    assert etag.endswith('-gzip"') and list(first) == ["580101"]
    assert areas() == (etag.replace("-gzip", ""), first)  # the same answer, decompressed
    unchanged = coordinating.get(
        "/api/v1/coverage/?level=tambon", HTTP_IF_NONE_MATCH=etag, **gzip_only
    )
    assert unchanged.status_code == 304

    NeedFactory()  # saved: Chiang Mai's tambon has a need now
    etag2, second = areas(**gzip_only)
    assert etag2 != etag and set(second) == {"580101", "500101"}
    Need.objects.filter(pk=need.pk).update(urgency=1)  # a bulk update
    assert areas()[1]["580101"]["gap_score"] == 1.0
    OpportunityFactory(location=need.location)
    coverage.refresh()  # the help near it, recomputed
    assert areas()[1]["580101"]["opportunities_near"] == 1
    Area.objects.filter(code="580101").update(name_en="Renamed")
    assert areas()[1]["580101"]["name_en"] == "Renamed"
    Need.objects.filter(pk=need.pk).delete()
    assert set(areas()[1]) == {"500101"}
    [thai] = coordinating.get("/api/v1/coverage/?level=tambon").json()["features"]
    english = coordinating.get("/api/v1/coverage/?level=tambon&lang=en")
    [english] = english.json()["features"]
    assert thai["properties"]["explanation"].startswith("ความต้องการที่ยังเปิดอยู่ 1 รายการ")
    assert english["properties"]["explanation"].startswith("1 open need")


def test_an_unchanged_area_is_built_once_and_a_changed_one_again():
    """Coverage features are kept by each process by all that they show (its row as read, the
    language, the boundary): one more need in an area builds that area's feature again, the
    others are reused, and the answer is the one built from nothing."""
    coordinating = api(coordinator())
    far_need(urgency=4)
    NeedFactory()
    coverage.refresh(full=True)

    def features():
        return coordinating.get("/api/v1/coverage/?level=tambon").json()["features"]

    coverage_feature_json.cache_clear()
    assert [f["id"] for f in features()] == ["580101", "500101"]
    assert coverage_feature_json.cache_info()[:2] == (0, 2)  # (hits, misses)
    NeedFactory()  # a second need in Chiang Mai's tambon
    answer = features()
    assert coverage_feature_json.cache_info()[:2] == (1, 3)
    assert {f["id"]: f["properties"]["open_needs"] for f in answer} == {"580101": 1, "500101": 2}
    coverage_feature_json.cache_clear()
    coverage.kept_row.cache_clear()
    cache.clear()
    assert features() == answer


def test_the_open_needs_counted_follow_every_write():
    """Coverage with no filter reads the open needs counted per area (OpenNeeds, kept by
    triggers): after saves, an edit that moves nothing, bulk updates of urgency, status, area and
    people, deletes and a truncate, they are what counting the needs gives, and so is coverage."""

    def counted():
        kept = OpenNeeds.objects.exclude(needs=0)
        return {o.area_id: (o.needs, o.critical, o.people, o.weight) for o in kept}

    def live():
        needs = Need.objects.filter(status="open").exclude(area=None).values("area_id")
        rows = needs.annotate(
            n=Count("id"),
            c=Count("id", filter=Q(urgency=4)),
            p=Sum("people_affected"),
            w=Sum("urgency"),
        )
        return {r["area_id"]: (r["n"], r["c"], r["p"], r["w"]) for r in rows}

    a = far_need(urgency=4, people_affected=30)
    b = NeedFactory(people_affected=5)
    c = NeedFactory(urgency=1, people_affected=1)
    assert counted() == live() and set(live()) == {"580101", "500101"}
    for step in (
        lambda: Need.objects.filter(pk=b.pk).update(title="อีกชื่อหนึ่ง"),  # moves nothing
        lambda: Need.objects.filter(pk=a.pk).update(urgency=2),
        lambda: Need.objects.filter(pk=b.pk).update(status="resolved"),
        lambda: Need.objects.filter(pk=c.pk).update(area_id="580101"),
        lambda: Need.objects.filter(pk=b.pk).update(status="open", people_affected=7),
        lambda: Need.objects.update(people_affected=F("people_affected") + 1, urgency=4),
        lambda: Need.objects.filter(pk=a.pk).delete(),
    ):
        step()
        assert counted() == live()
        assert coverage.coverage("tambon") == coverage.coverage("tambon", since=date(2000, 1, 1))
    assert counted() == {"580101": (1, 1, 2, 4), "500101": (1, 1, 8, 4)}
    with connection.cursor() as cursor:  # as a test database's flush does
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("TRUNCATE needs_need CASCADE")
    assert counted() == {} == live()


def test_coverage_version_moves_only_with_what_coverage_reads():
    coverage.refresh()
    before = coverage.version()
    coverage.refresh()  # nothing changed: nothing written
    OpportunityFactory()  # help changed, but not until a refresh says so
    assert coverage.version() == before
    far_need()
    after_need = coverage.version()
    coverage.refresh()
    assert before != after_need != coverage.version()
    with connection.cursor() as cursor:  # as a test database's flush does: the counters go too
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("TRUNCATE needs_coverageversion, needs_need CASCADE")
    assert coverage.version() not in {before, after_need} and "needs" in coverage.version()


def test_incidents_with_a_drawn_area_and_one_disaster_mode():
    client = api(coordinator())
    body = {
        "name": "น้ำท่วม 2569 — อุบลราชธานี",
        "starts_on": "2026-11-01",
        "affected_area": SQUARE,
        "disaster_mode": True,
    }
    response = client.post("/api/v1/incidents/", body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["geometry"]["type"] == "MultiPolygon"
    second = client.post("/api/v1/incidents/", {**body, "name": "อีกเหตุการณ์"}, format="json")
    assert second.status_code == 400 and "disaster_mode" in second.json()
    for bad in (
        {"type": "Point", "coordinates": [104.7, 15.1]},
        {**SQUARE, "crs": {"type": "name", "properties": {"name": "EPSG:3857"}}},
        {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]},
        {"type": "Polygon", "coordinates": "nope"},
    ):
        answer = client.post(
            "/api/v1/incidents/",
            {**body, "disaster_mode": False, "affected_area": bad},
            format="json",
        )
        assert answer.status_code == 400 and "affected_area" in answer.json(), bad
    assert (
        client.post(
            "/api/v1/incidents/",
            {**body, "disaster_mode": False, "ends_on": "2026-10-01"},
            format="json",
        ).status_code
        == 400
    )
    public = api().get("/api/v1/incidents/").json()["features"]
    assert [f["properties"]["name"] for f in public] == [body["name"]]
    assert api().post("/api/v1/incidents/", body, format="json").status_code == 401


def test_an_incident_area_from_a_real_boundary_file_as_a_zipped_shapefile(
    open_data, tmp_path, client
):
    source = open_data("boundaries/th_adm1.geojson")
    shapefile = tmp_path / "ubon.shp"
    ogr2ogr = shutil.which("ogr2ogr")
    if ogr2ogr is None:
        pytest.skip("ogr2ogr (Debian's gdal-bin, which ./dev installs) is not on the PATH")
    subprocess.run(
        [
            ogr2ogr,
            "-f",
            "ESRI Shapefile",
            "-t_srs",
            "EPSG:32648",
            str(shapefile),
            str(source),
            "-where",
            "ADM1_PCODE = 'TH34'",
        ],
        check=True,
        capture_output=True,
    )
    archive = tmp_path / "ubon.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for part in tmp_path.glob("ubon.*"):
            if part.suffix != ".zip":
                zipped.write(part, part.name)
    incident = IncidentFactory()
    user = coordinator()
    with archive.open("rb") as upload:
        response = api(user).post(
            f"/api/v1/incidents/{incident.pk}/area/", {"file": upload}, format="multipart"
        )
    assert response.status_code == 200, response.content
    incident.refresh_from_db()
    # Reprojected from UTM 48N back to WGS 84: Ubon Ratchathani's town lies inside.
    assert incident.affected_area.contains(Point(104.85, 15.24, srid=4326))
    assert not incident.affected_area.contains(CHIANG_MAI)
    not_vector = tmp_path / "notes.zip"
    with zipfile.ZipFile(not_vector, "w") as zipped:
        zipped.writestr("notes.txt", "hello")
    with not_vector.open("rb") as upload:
        response = api(user).post(
            f"/api/v1/incidents/{incident.pk}/area/", {"file": upload}, format="multipart"
        )
    assert response.status_code == 400 and "file" in response.json()


def test_disaster_mode_puts_the_incident_first_on_the_public_map(client):
    opportunity = OpportunityFactory()
    other = OpportunityFactory()
    flood = IncidentFactory(name="น้ำท่วมเชียงใหม่", disaster_mode=True)
    flood.opportunities.add(opportunity)
    page = client.get("/").content.decode()
    assert "น้ำท่วมเชียงใหม่" in page and f"?incident={flood.pk}" in page
    assert f'"url": "/api/v1/incidents/{flood.pk}/"' in page
    listing = client.get(f"/opportunities/?incident={flood.pk}").content.decode()
    assert opportunity.title in listing and other.title not in listing
    flood.disaster_mode = False
    flood.save()
    assert "น้ำท่วมเชียงใหม่" not in client.get("/").content.decode()
    assert Incident.objects.in_disaster_mode() is None


# --- the hotline's CSV -------------------------------------------------------------------------

HOTLINE = """external_id,title,category,urgency,people_affected,address,latitude,longitude,reporter_name,reporter_phone
h-1,ติดอยู่บนหลังคา,rescue,critical,4,,15.23,104.86,นายสมชาย,0811111111
h-2,ขาดน้ำดื่ม,food_water,high,60,ต.วารินชำราบ อ.วารินชำราบ จ.อุบลราชธานี,,,อบต.,045111111
h-3,ต้องการยา,unicorns,high,3,ต.วารินชำราบ จ.อุบลราชธานี,,,,
h-4,ไม่มีที่อยู่,shelter,low,3,,,,,
h-5,พิกัดสลับ,shelter,low,3,,104.86,15.23,,
h-6,ด่วนมาก,rescue,urgent-ish,3,ต.วารินชำราบ จ.อุบลราชธานี,,,,
h-1,ซ้ำ,rescue,low,1,ต.วารินชำราบ จ.อุบลราชธานี,,,,
"""


def test_hotline_csv_import_is_checked_by_line_transactional_and_idempotent(tmp_path):
    path = tmp_path / "hotline.csv"
    path.write_text(HOTLINE, encoding="utf-8")
    flood = IncidentFactory()
    dry = import_needs(path, incident=flood)
    assert (dry.read, dry.created, dry.committed) == (7, 2, False)
    assert not Need.objects.exists()
    rejected = dict(dry.rejected)
    assert set(rejected) == {4, 5, 6, 7, 8}
    assert "category" in rejected[4] and "ไม่มีที่อยู่" in rejected[5] and "สลับกัน" in rejected[6]
    assert "urgency" in rejected[7] and "ซ้ำกับบรรทัดที่ 2" in rejected[8]
    done = import_needs(path, incident=flood, commit=True)
    assert (done.created, done.committed) == (2, True)
    roof = Need.objects.get(external_id="h-1")
    assert (roof.urgency, roof.precision, roof.incident, roof.reporter_phone) == (
        4,
        "exact",
        flood,
        "0811111111",
    )
    again = import_needs(path, incident=flood, commit=True)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert CoverageDirty.objects.filter(point=None).exists()  # a bulk change: refresh everything


def test_the_import_command_names_its_incident_or_refuses(tmp_path):
    from io import StringIO

    from django.core.management import CommandError, call_command

    path = tmp_path / "hotline.csv"
    path.write_text(HOTLINE, encoding="utf-8")
    with pytest.raises(CommandError, match="no such incident"):
        call_command("import_needs", str(path), "--incident", "999999", verbosity=0)
    flood, out = IncidentFactory(), StringIO()
    call_command(
        "import_needs", str(path), "--incident", str(flood.pk), "--commit", stdout=out, verbosity=0
    )
    assert "created 2" in out.getvalue() and "line 4:" in out.getvalue()
    assert set(Need.objects.values_list("incident", flat=True)) == {flood.pk}


def test_import_page_checks_in_the_background_then_saves_the_same_file(
    client, tmp_path, django_capture_on_commit_callbacks
):
    client.force_login(coordinator())

    def upload(path, url="/coordinate/needs/import/"):
        with django_capture_on_commit_callbacks(execute=True):  # the worker's part, here
            if path is None:
                response = client.post(url)
            else:
                with path.open("rb") as f:
                    response = client.post(url, {"file": f})
        assert response.status_code == 302
        return client.get(response["Location"])

    hotline = tmp_path / "needs.csv"
    hotline.write_text(HOTLINE, encoding="utf-8")
    response = upload(hotline)
    job, page = response.context["job"], response.content.decode()
    assert "บรรทัดที่ 4:" in page and "ทดลองนำเข้า" in page
    assert not Need.objects.exists()
    response = upload(None, f"/coordinate/needs/import/{job.pk}/save/")  # "Save this file"
    assert Need.objects.count() == 2
    assert response.context["report"]["created"] == 2 and "บันทึกแล้ว" in response.content.decode()
    utf16 = tmp_path / "utf16.csv"
    utf16.write_text(HOTLINE, encoding="utf-16")
    response = upload(utf16)
    assert response.context["job"].status == "failed" and "UTF-8" in response.content.decode()


def test_an_import_page_follows_the_import_until_it_ends(client):
    from needs.models import NeedsImport

    client.force_login(coordinator())
    job = NeedsImport.objects.create(file=HOTLINE.encode(), source="hotline.csv")
    page = client.get(f"/coordinate/needs/import/{job.pk}/").content.decode()
    assert '<meta http-equiv="refresh"' in page and "รอคิว" in page
    from django.core.cache import cache

    from needs.tasks import import_needs_file, progress_key

    cache.set(progress_key(job.pk), {"phase": "reading", "rows": 1500})
    assert "อ่านแล้ว 1500 แถว" in client.get(f"/coordinate/needs/import/{job.pk}/").content.decode()
    import_needs_file(job.pk)
    import_needs_file(job.pk)  # delivered twice: the second does nothing
    page = client.get(f"/coordinate/needs/import/{job.pk}/").content.decode()
    assert '<meta http-equiv="refresh"' not in page and "hotline.csv" in page


# --- who may do what ---------------------------------------------------------------------------

ROLES = ["anonymous", "volunteer", "staff", "coordinator", "moderator"]


@pytest.fixture
def world():
    org = OpportunityFactory().organization
    staff = staff_of(org)
    reported = NeedFactory(reported_by=staff, reporting_organization=org)
    incident = IncidentFactory()
    users = {
        "anonymous": None,
        "volunteer": VolunteerFactory().user,
        "staff": staff,
        "coordinator": coordinator(),
        "moderator": moderator(),
    }
    return users, {"need": NeedFactory().pk, "reported": reported.pk, "incident": incident.pk}


NEW_NEED = {
    "title": "ต้องการเรือ",
    "category": "rescue",
    "location": {"type": "Point", "coordinates": [100.5, 13.75]},
}
# (method, url, payload, expected: anonymous, volunteer, staff, coordinator, moderator)
MATRIX = [
    ("get", "/api/v1/needs/", None, [401, 200, 200, 200, 200]),
    ("get", "/api/v1/needs/{need}/", None, [401, 404, 404, 200, 404]),
    ("get", "/api/v1/needs/{reported}/", None, [401, 404, 200, 200, 404]),
    ("post", "/api/v1/needs/", NEW_NEED, [401, 403, 201, 201, 403]),
    ("patch", "/api/v1/needs/{need}/", {"status": "assigned"}, [401, 404, 404, 200, 404]),
    ("patch", "/api/v1/needs/{reported}/", {"people_affected": 5}, [401, 404, 200, 200, 404]),
    ("get", "/api/v1/needs/uncovered/", None, [401, 403, 403, 200, 403]),
    ("get", "/api/v1/coverage/", None, [401, 403, 403, 200, 403]),
    ("get", "/api/v1/incidents/", None, [200, 200, 200, 200, 200]),
    (
        "post",
        "/api/v1/incidents/",
        {"name": "ไฟป่า", "starts_on": "2026-11-20"},
        [401, 403, 403, 201, 403],
    ),
    ("patch", "/api/v1/incidents/{incident}/", {"name": "ไฟป่า"}, [401, 403, 403, 200, 403]),
    ("delete", "/api/v1/incidents/{incident}/", None, [401, 403, 403, 204, 403]),
]
PAGES = [
    ("get", "/coordinate/", None, [302, 403, 403, 200, 403]),
    ("get", "/coordinate/needs/new/", None, [302, 403, 403, 200, 403]),
    ("get", "/coordinate/needs/{need}/", None, [302, 403, 403, 200, 403]),
    ("get", "/coordinate/incidents/new/", None, [302, 403, 403, 200, 403]),
    ("get", "/coordinate/needs/import/", None, [302, 403, 403, 200, 403]),
    ("get", "/exports/coverage.csv", None, [302, 403, 403, 200, 403]),
    ("get", "/exports/uncovered-needs.geojson", None, [302, 403, 403, 200, 403]),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("method", "url", "payload", "expected"),
    MATRIX + PAGES,
    ids=[f"{m} {u}" for m, u, _, _ in MATRIX + PAGES],
)
def test_permissions(world, role, method, url, payload, expected):
    users, ids = world
    user = users[role]
    if url.startswith("/api/"):
        got = getattr(api(user), method)(url.format(**ids), payload, format="json").status_code
    else:
        client = APIClient()
        if user:
            client.force_login(user)
        got = getattr(client, method)(url.format(**ids)).status_code
    assert got == expected[ROLES.index(role)], f"{role} {method} {url}: {got}"


def test_the_coordinator_page_lists_uncovered_needs_with_contacts(client):
    need = far_need(urgency=4)
    coverage.refresh(full=True)
    client.force_login(coordinator())
    page = client.get("/coordinate/?level=tambon&km=20").content.decode()
    assert need.title in page and "0890000000" in page
    assert 'data-code="580101"' in page
    assert client.get("/coordinate/?level=nope").status_code == 200  # a notice, the defaults


@pytest.mark.parametrize(
    ("page", "said"),
    [("/coordinate/", "ความต้องการที่ยังเปิดอยู่ 1 รายการ"), ("/en/coordinate/", "1 open need")],
)
def test_the_coordinator_pages_map_explains_in_the_pages_language(client, page, said):
    far_need(urgency=4)
    coverage.refresh(full=True)
    client.force_login(coordinator())
    config = client.get(page + "?level=tambon").context["coverage_config"]
    [area] = client.get(config["coverage"]).json()["features"]
    assert area["properties"]["explanation"].startswith(said)


def test_coordinator_pages_save_a_need_and_an_incident(client, tmp_path):
    client.force_login(coordinator())
    response = client.post(
        "/coordinate/needs/new/",
        {
            "title": "ต้องการเต็นท์",
            "category": "shelter",
            "urgency": 3,
            "people_affected": 30,
            "status": "open",
            "address": "ต.วารินชำราบ อ.วารินชำราบ จ.อุบลราชธานี",
        },
    )
    assert response.status_code == 302
    need = Need.objects.get(title="ต้องการเต็นท์")
    assert need.area_id.startswith("34") and need.location is not None
    response = client.post(
        "/coordinate/needs/new/",
        {
            "title": "x",
            "category": "shelter",
            "urgency": 3,
            "people_affected": 1,
            "status": "open",
            "address": "Springfield",
        },
    )
    assert response.status_code == 200 and "address" in response.context["form"].errors

    opportunity = OpportunityFactory()
    drawn = json.dumps({"type": "MultiPolygon", "coordinates": [SQUARE["coordinates"]]})
    response = client.post(
        "/coordinate/incidents/new/",
        {
            "name": "น้ำท่วมอุบล",
            "starts_on": "2026-11-01",
            "affected_area": drawn,
            "disaster_mode": "on",
            "opportunity_ids": f"{opportunity.pk}",
        },
    )
    assert response.status_code == 302, response.context and response.context["form"].errors
    incident = Incident.objects.get(name="น้ำท่วมอุบล")
    assert incident.disaster_mode and incident.affected_area.contains(
        Point(104.85, 15.24, srid=4326)
    )
    geojson = tmp_path / "area.geojson"
    geojson.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {},
                        "geometry": {
                            "type": "Polygon",
                            "coordinates": [
                                [
                                    [100.4, 13.6],
                                    [100.7, 13.6],
                                    [100.7, 13.9],
                                    [100.4, 13.9],
                                    [100.4, 13.6],
                                ]
                            ],
                        },
                    }
                ],
            }
        )
    )
    with geojson.open("rb") as upload:
        response = client.post(
            f"/coordinate/incidents/{incident.pk}/",
            {
                "name": "น้ำท่วมกรุงเทพ",
                "starts_on": "2026-11-01",
                "disaster_mode": "on",
                "area_file": upload,
            },
        )
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.affected_area.contains(Point(100.5, 13.75, srid=4326))
    other = client.post(
        "/coordinate/incidents/new/",
        {"name": "อีก", "starts_on": "2026-11-01", "disaster_mode": "on"},
    )
    assert other.status_code == 200 and "disaster_mode" in other.context["form"].errors


def test_coverage_on_the_official_boundaries_when_imported(open_data):
    from places.official import import_boundaries

    import_boundaries(open_data("boundaries/th_adm1.geojson"), commit=True)
    far_need()
    coverage.refresh(full=True)
    answer = api(coordinator()).get("/api/v1/coverage/?level=province&geometry=boundary").json()
    [feature] = answer["features"]
    assert feature["id"] == "58" and feature["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert Area.objects.get(code="58").boundary.contains(
        Point(*point_of("580101").coords, srid=4326)
    )
    points = api(coordinator()).get("/api/v1/coverage/?level=province").json()["features"]
    assert points[0]["geometry"]["type"] == "Point"


@pytest.mark.parametrize("anywhere", [False, True], ids=["changes listed", "a change anywhere"])
@pytest.mark.parametrize("listed", [10_000, 0], ids=["needs listed", "needs by a subquery"])
def test_uncovered_needs_let_off_by_their_nearest_help_match_the_exact_search(
    monkeypatch, listed, anywhere
):
    """Need.objects.uncovered answers as searching near every open need would, however help
    changed since the last refresh: with the places listed, or with a change too large to list
    (then every need it cannot let off is searched near); with the needs it cannot let off at
    once listed by id, or too many for that (needs.models.UNSURE_LISTED)."""
    monkeypatch.setattr(needs_models, "UNSURE_LISTED", listed)
    chiang_mai = OpportunityFactory(location=CHIANG_MAI)
    needs = [NeedFactory(), far_need(), NeedFactory(location=Point(98.99, 18.70, srid=4326))]
    opportunities = type(chiang_mai).objects

    def exact(km):
        return {
            n.pk
            for n in Need.objects.open()
            if not opportunities.published().filter(location__dwithin=(n.location, km * 1000))
        }

    def uncovered(km):
        everywhere = HelpChange.objects.create(point=None) if anywhere else None
        found = {n.pk for n in Need.objects.uncovered(km)}
        if everywhere:
            everywhere.delete()
        return found

    for km in (5, 20, 200):
        assert uncovered(km) == exact(km)  # before any refresh: each need searched near
    run = coverage.refresh(full=True)
    assert (run.needs, run.needs_left) == (3, 0)
    assert not HelpChange.objects.exists()  # read by the refresh
    assert NeedHelp.objects.get(need=needs[0]).opportunity == chiang_mai
    assert NeedHelp.objects.get(need=needs[1]).metres > 100_000  # Mae Hong Son
    for km in (5, 20, 200):
        assert uncovered(km) == exact(km)  # with the nearest help
    assert uncovered(200) == set() and uncovered(20) == {needs[1].pk}

    nearer = OpportunityFactory(location=Point(*point_of("580101").coords, srid=4326))
    assert uncovered(20) == exact(20) == set()  # new help counts before the next refresh
    coverage.refresh()
    assert NeedHelp.objects.get(need=needs[1]).opportunity == nearer
    assert uncovered(20) == set()

    nearer.close()  # withdrawn: the help it gave is forgotten at once
    assert NeedHelp.objects.get(need=needs[1]).metres is None
    assert uncovered(20) == exact(20) == {needs[1].pk}
    coverage.refresh()
    assert NeedHelp.objects.get(need=needs[1]).opportunity == chiang_mai
    assert uncovered(20) == exact(20) == {needs[1].pk}
    assert coverage.refresh().needs == 0  # nothing changed: nothing searched

    # Help brought near in bulk (no model signal): counted at once, and found by the refresh.
    opportunities.filter(pk=nearer.pk).update(status="published", location=needs[1].location)
    assert uncovered(20) == exact(20) == set()
    assert coverage.refresh().needs == 1
    assert NeedHelp.objects.get(need=needs[1]).opportunity == nearer
    opportunities.filter(pk=nearer.pk).update(status="closed")
    assert uncovered(20) == exact(20) == {needs[1].pk}
    coverage.refresh()

    Need.objects.filter(pk=needs[0].pk).update(location=needs[1].location)  # moved far, in bulk
    assert NeedHelp.objects.get(need=needs[0]).metres is None  # forgotten with the move
    assert uncovered(20) == exact(20) == {needs[0].pk, needs[1].pk}
    assert coverage.refresh().needs == 1
    assert uncovered(20) == exact(20) == {needs[0].pk, needs[1].pk}
    assert NeedHelp.objects.filter(metres=None).count() == 0

    # However it is written: an organization withdrawn and approved again, an opportunity
    # deleted in bulk.
    Organization.objects.filter(pk=chiang_mai.organization_id).update(status="rejected")
    assert NeedHelp.objects.filter(opportunity=chiang_mai).count() == 0
    assert uncovered(5) == exact(5) == {n.pk for n in needs}
    coverage.refresh()
    Organization.objects.filter(pk=chiang_mai.organization_id).update(status="published")
    assert uncovered(10) == exact(10) == {needs[0].pk, needs[1].pk}  # before the refresh
    coverage.refresh()
    assert NeedHelp.objects.get(need=needs[2]).opportunity == chiang_mai  # 9.8 km away
    assert uncovered(10) == exact(10) == {needs[0].pk, needs[1].pk}
    opportunities.filter(pk=chiang_mai.pk).delete()
    assert uncovered(5) == exact(5) == {n.pk for n in needs}


def test_every_write_that_may_bring_or_take_help_is_logged_where_it_happened():
    """needs.sql.HELP_CHANGE_TRIGGERS: the places of the published opportunities a write
    touched (before and after), however written; past HELP_CHANGES_LISTED, one change anywhere,
    after which a refresh forgets every nearest help farther than the shortest distance asked."""
    HelpChange.objects.all().delete()  # the migration's (what came before it is not known)
    opportunity = OpportunityFactory(location=CHIANG_MAI)
    opportunities = type(opportunity).objects
    moved_to = Point(*point_of("580101").coords, srid=4326)

    def logged():
        points = list(HelpChange.objects.order_by("id").values_list("point", flat=True))
        HelpChange.objects.all().delete()
        return [p and (round(p.x, 4), round(p.y, 4)) for p in points]

    chiang_mai, mae_hong_son = (
        (round(CHIANG_MAI.x, 4), round(CHIANG_MAI.y, 4)),
        (
            round(moved_to.x, 4),
            round(moved_to.y, 4),
        ),
    )
    assert logged() == [chiang_mai]  # published
    opportunity.title = "ชื่อใหม่"
    opportunity.save()
    assert logged() == []  # nothing that counts changed
    opportunities.filter(pk=opportunity.pk).update(location=moved_to)
    assert logged() == [chiang_mai, mae_hong_son]  # gone from one place, come to another
    Organization.objects.filter(pk=opportunity.organization_id).update(status="pending")
    assert logged() == [mae_hong_son]
    opportunities.filter(pk=opportunity.pk).update(status="draft")
    assert logged() == [mae_hong_son]  # withdrawn
    Organization.objects.filter(pk=opportunity.organization_id).update(status="published")
    assert logged() == []  # its only opportunity is a draft
    opportunities.filter(pk=opportunity.pk).update(status="published")
    opportunities.filter(pk=opportunity.pk).delete()
    assert logged() == [mae_hong_son, mae_hong_son]

    near, far = NeedFactory(), far_need()
    OpportunityFactory(location=CHIANG_MAI)
    coverage.refresh(full=True)
    assert NeedHelp.objects.get(need=near).metres < 1000 < NeedHelp.objects.get(need=far).metres
    opportunities.bulk_create(
        OpportunityFactory.build(organization=opportunity.organization, location=moved_to)
        for _ in range(HELP_CHANGES_LISTED + 1)
    )
    assert list(HelpChange.objects.values_list("point", flat=True)) == [None]
    assert far.pk not in {n.pk for n in Need.objects.uncovered(1)}  # searched near: covered
    coverage.refresh()
    assert NeedHelp.objects.get(need=near).metres < 1000  # nearer than asked: kept
    assert NeedHelp.objects.get(need=far).metres < 1  # looked for again: the new ones
    assert not HelpChange.objects.exists()


def test_help_changed_while_a_refresh_was_finding_it_is_forgotten_by_the_next_refresh():
    need = NeedFactory()
    nearest = OpportunityFactory(location=need.location)
    coverage.refresh(full=True)
    assert NeedHelp.objects.get(need=need).opportunity == nearest
    nearest.close()  # its trigger forgets the help; its save marks the place
    # A refresh that found it just before, committing just after, leaves the row back:
    NeedHelp.objects.filter(need=need).update(opportunity=nearest, metres=0.0)
    coverage.refresh()  # the place changed no farther than the need's help: found again
    assert NeedHelp.objects.get(need=need).opportunity != nearest
    assert need.pk in {n.pk for n in Need.objects.uncovered(5)}
