"""CSV imports (line-numbered rejections, dry run, idempotence) and exports (CSV, GeoJSON, iCal),
each carrying the CC BY-NC-SA 3.0 TH attribution; an export imports back to the same data."""

import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command
from icalendar import Calendar

from common.importing import FileError
from opportunities import demo
from opportunities.importing import import_opportunities
from opportunities.models import Opportunity, Shift
from places.importing import import_organizations
from places.models import Organization, TrustChange
from tests.conftest import streamed
from tests.factories import OpportunityFactory, OrganizationFactory, ShiftFactory

pytestmark = pytest.mark.django_db

ORG_HEADER = "external_id,name_th,name_en,kind,address,latitude,longitude,phone,verified\n"
OPP_HEADER = "external_id,organization_external_id,title,causes,skills,mode,address,starts_on,ends_on,volunteers_needed,shifts\n"


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, "utf-8")
    return path


@pytest.fixture
def organizations_csv(tmp_path):
    return write(
        tmp_path,
        "orgs.csv",
        ORG_HEADER
        + 'o1,มูลนิธิหนึ่ง,One Foundation,foundation,"ต.สุเทพ อ.เมือง จ.เชียงใหม่ 50200",,,053-000-000,yes\n'  # 2
        + "o2,กลุ่มสอง,,community,,13.7563,100.5018,,no\n"  # 3: a pin
        + "o3,,,community,ต.สุเทพ จ.เชียงใหม่,,,,\n"  # 4: no name
        + "o4,วัด,,temple,ต.สุเทพ จ.เชียงใหม่,,,,\n"  # 5: unknown kind
        + "o5,กลุ่มห้า,,community,,100.5,13.7,,\n"  # 6: swapped
        + "o1,ซ้ำ,,community,ต.สุเทพ จ.เชียงใหม่,,,,\n"  # 7: duplicate id
        + "o6,กลุ่มหก,,community,asdfgh qwerty,,,,\n"  # 8: cannot place
        + "o7,กลุ่มเจ็ด,,community,,,,,\n"  # 9: nowhere
        + "o8,กลุ่มแปด,,community,Tokyo Japan,,,,\n",
    )  # 10: foreign


def test_organization_import_reports_every_rejected_line(organizations_csv):
    report = import_organizations(organizations_csv, commit=True)
    reasons = dict(report.rejected)
    assert (report.read, report.created) == (9, 2)
    assert set(reasons) == {4, 5, 6, 7, 8, 9, 10}
    assert "name_th ว่างอยู่" in reasons[4]
    assert "kind='temple'" in reasons[5]
    assert "สลับกัน" in reasons[6]
    assert "ซ้ำกับบรรทัดที่ 2" in reasons[7]
    assert "หาตำแหน่งของที่อยู่ไม่ได้" in reasons[8]
    assert "ไม่มีที่อยู่" in reasons[9]
    assert "not a Thai address" in reasons[10]
    one = Organization.objects.get(external_id="o1")
    assert (one.area_id, one.status, one.verified) == ("500108", "pending", True)
    two = Organization.objects.get(external_id="o2")
    assert (two.precision, two.area_id[:2]) == ("exact", "10")


def test_organization_import_dry_run_then_idempotent(organizations_csv):
    assert import_organizations(organizations_csv).created == 2
    assert not Organization.objects.exists()
    import_organizations(organizations_csv, commit=True)
    again = import_organizations(organizations_csv, commit=True)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    changed = write(
        organizations_csv.parent,
        "orgs2.csv",
        ORG_HEADER
        + 'o1,มูลนิธิหนึ่ง,One Foundation,foundation,"แขวงสีลม เขตบางรัก กทม.",,,053-000-000,yes\n',
    )
    report = import_organizations(changed, commit=True)
    assert (report.updated, report.unchanged) == (1, 0)
    assert Organization.objects.get(external_id="o1").area_id == "100402"


def test_opportunity_import_with_shifts(tmp_path, organizations_csv):
    import_organizations(organizations_csv, commit=True, publish=True)
    path = write(
        tmp_path,
        "opps.csv",
        OPP_HEADER
        + "p1,o1,ปลูกป่า,environment;community,general,onsite,,2030-01-05,2030-01-06,20,2030-01-05T09:00/2030-01-05T12:00/10;2030-01-06T09:00/2030-01-06T12:00/10\n"  # 2
        + "p2,o2,สอนออนไลน์,education,teaching,remote,,,,5,\n"  # 3
        + 'p3,o1,ที่อื่น,health,,onsite,"แขวงสีลม เขตบางรัก กทม.",,,3,\n'  # 4: own address
        + "p4,nobody,x,health,,onsite,,,,1,\n"  # 5
        + "p5,o1,x,unicorns,,onsite,,,,1,\n"  # 6
        + "p6,o1,x,health,,onsite,,2030-13-01,,1,\n"  # 7
        + "p7,o1,x,health,,onsite,,2030-01-05,2030-01-01,1,\n"  # 8
        + "p8,o1,x,health,,onsite,,,,1,2030-01-05T12:00/2030-01-05T09:00/5\n"  # 9
        + "p9,o1,x,health,,onsite,,,,1,2030-01-05T09:00/2030-01-05T12:00/0\n"  # 10
        + "p10,o1,x,health,,everywhere,,,,1,\n"  # 11
        + "p11,o1,x,health,,onsite,,,,-3,\n",
    )  # 12
    report = import_opportunities(path, commit=True, publish=True)
    assert report.created == 3 and {line for line, _ in report.rejected} == set(range(5, 13))
    reasons = dict(report.rejected)
    assert (
        "ไม่รู้จักองค์กร 'nobody'" in reasons[5] and "unicorns" in reasons[6] and "ไม่ใช่วัน" in reasons[7]
    )
    assert (
        "อยู่ก่อน starts_on" in reasons[8]
        and "สิ้นสุดก่อนเวลาเริ่ม" in reasons[9]
        and "ตั้งแต่ 1 ขึ้นไป" in reasons[10]
    )
    p1 = Opportunity.objects.get(external_id="p1")
    assert (
        p1.shifts.count() == 2
        and p1.location == Organization.objects.get(external_id="o1").location
    )
    assert Opportunity.objects.get(external_id="p2").location is None
    assert Opportunity.objects.get(external_id="p3").area_id == "100402"
    again = import_opportunities(path, commit=True, publish=True)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert Shift.objects.count() == 2


def test_import_file_problems(tmp_path):
    with pytest.raises(FileError, match="ไม่พบไฟล์นี้"):
        import_organizations(tmp_path / "missing.csv")
    with pytest.raises(FileError, match="ขาดคอลัมน์ kind"):
        import_organizations(write(tmp_path, "a.csv", "external_id,name_th\nx,y\n"))
    (tmp_path / "latin1.csv").write_bytes(
        "external_id,name_th,kind\nx,\xe9t\xe9,foundation\n".encode("latin-1")
    )
    with pytest.raises(FileError, match="ไม่ใช่ข้อความ UTF-8"):
        import_organizations(tmp_path / "latin1.csv")
    with pytest.raises(CommandError, match="ขาดคอลัมน์"):
        call_command("import_opportunities", str(tmp_path / "a.csv"))


def test_import_commands_print_the_report(organizations_csv):
    out = io.StringIO()
    call_command(
        "import_organizations", str(organizations_csv), "--commit", stdout=out, verbosity=0
    )
    assert "created 2" in out.getvalue() and "line 4: name_th ว่างอยู่" in out.getvalue()


# --- exports ----------------------------------------------------------------------------------------


def test_csv_export_carries_the_licence_in_every_row(client):
    ShiftFactory(opportunity=OpportunityFactory(title="ปลูกป่า"))
    OpportunityFactory(status="pending", title="ยังไม่เผยแพร่")
    response = client.get("/exports/opportunities.csv")
    assert response["Content-Type"].startswith("text/csv")
    assert 'rel="license"' in response["Link"] and "by-nc-sa/3.0/th" in response["Link"]
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [r["title"] for r in rows] == ["ปลูกป่า"]
    assert all("CC BY-NC-SA 3.0 TH" in r["attribution"] for r in rows)


def test_geojson_export(client):
    o = OpportunityFactory()
    body = json.loads(
        streamed(client.get("/exports/opportunities.geojson", {"cause": "environment"}))
    )
    assert body["type"] == "FeatureCollection" and "CC BY-NC-SA 3.0 TH" in body["attribution"]
    assert [f["id"] for f in body["features"]] == [o.pk] and body["count"] == 1
    assert client.get("/exports/opportunities.geojson", {"cause": "x"}).status_code == 400
    orgs = json.loads(streamed(client.get("/exports/organizations.geojson")))
    assert orgs["features"][0]["properties"]["name_th"] == o.organization.name_th


def test_ical_feeds(client):
    shift = ShiftFactory()
    ShiftFactory(opportunity=shift.opportunity)
    calendar = Calendar.from_ical(
        client.get(f"/exports/opportunities/{shift.opportunity.pk}/calendar.ics").content
    )
    events = calendar.walk("VEVENT")
    assert len(events) == 2 and str(events[0]["SUMMARY"]) == shift.opportunity.title
    assert "CC BY-NC-SA 3.0 TH" in str(events[0]["DESCRIPTION"]) and "CC BY-NC-SA 3.0 TH" in str(
        calendar["X-WR-CALDESC"]
    )
    org_calendar = Calendar.from_ical(
        client.get(
            f"/exports/organizations/{shift.opportunity.organization_id}/calendar.ics"
        ).content
    )
    assert len(org_calendar.walk("VEVENT")) == 2
    hidden = OpportunityFactory(status="pending")
    assert client.get(f"/exports/opportunities/{hidden.pk}/calendar.ics").status_code == 404


def test_export_imports_back(client, tmp_path):
    org = OrganizationFactory(
        external_id=None, name_en="Round Trip", address="ต.สุเทพ อ.เมือง จ.เชียงใหม่"
    )
    o = OpportunityFactory(
        organization=org,
        title="ไปกลับ",
        causes=["animals", "health"],
        skills=["care"],
        minimum_age=15,
        family_friendly=True,
        use_organization_location=False,
    )
    ShiftFactory(opportunity=o, capacity=7)
    orgs = write(
        tmp_path,
        "o.csv",
        b"".join(client.get("/exports/organizations.csv").streaming_content).decode(),
    )
    opps = write(
        tmp_path,
        "p.csv",
        b"".join(client.get("/exports/opportunities.csv").streaming_content).decode(),
    )
    Opportunity.objects.all().delete()
    Organization.objects.all().delete()
    assert not import_organizations(orgs, commit=True, publish=True).rejected
    assert not import_opportunities(opps, commit=True, publish=True).rejected
    back = Opportunity.objects.get(title="ไปกลับ")
    assert (back.causes, back.skills, back.minimum_age, back.family_friendly) == (
        ["animals", "health"],
        ["care"],
        15,
        True,
    )
    assert (back.location.x, back.location.y, back.precision) == (
        o.location.x,
        o.location.y,
        "exact",
    )
    assert back.shifts.get().capacity == 7 and back.organization.name_en == "Round Trip"
    assert import_opportunities(opps, commit=True, publish=True).unchanged == 1


def test_demo_data_loads_and_reloads_unchanged():
    reports = demo.load()
    assert all(not r.rejected for r in reports), [r.rejected for r in reports]
    assert Organization.objects.published().count() == 27
    # The original network's partners, named partners as moderators do it (logged), marked demo.
    partners = Organization.objects.filter(partner=True)
    assert partners.count() == 11 and all("องค์กรสาธิต" in p.description for p in partners)
    assert TrustChange.objects.filter(tier_to="partner").count() == 11
    assert Opportunity.objects.published().count() >= 25
    provinces = set(
        Opportunity.objects.published().exclude(area=None).values_list("area_id", flat=True)
    )
    assert len({code[:2] for code in provinces}) >= 10, "the demo should span Thailand"
    again = demo.load()
    assert [r.created + r.updated for r in again] == [0, 0, 0]
    assert TrustChange.objects.count() == 11
