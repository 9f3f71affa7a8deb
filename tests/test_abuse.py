"""Abuse, replayed: what a security test of the service tried, each case a test.

- Uploaded areas and official files never make GDAL open a file or URL it was not meant to (a
  canary HTTP server on this machine proves that no request leaves), and oversized, bomb-like or
  overlong files are refused quickly with a reason.
- Requests that used to answer 500 answer 400/404/409 with a reason (JSON on the API).
- CSV exports cannot carry spreadsheet formulas.
- No role can widen its own access to a roster (volunteers' names, e-mails, phones).
- Log-in, password reset and registration are limited, across workers.
"""

import csv
import io
import json
import tempfile
import time
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.contrib.gis.gdal import DataSource, GDALException
from django.core import mail
from django.utils import timezone
from django.utils.html import escape
from rest_framework.authtoken.models import Token

from common import gdal
from common.importing import FileError
from needs.models import Incident
from opportunities.models import Opportunity, Shift
from places.models import Membership, StaffChange
from places.official import import_boundaries
from tests.conftest import api
from tests.factories import (
    IncidentFactory,
    OpportunityFactory,
    OrganizationFactory,
    ShiftFactory,
    UserFactory,
    VolunteerFactory,
    coordinator,
    moderator,
    staff_of,
)
from tests.htmlforms import form_data
from tests.servers import Canary
from volunteers import signups

pytestmark = pytest.mark.django_db

ESCAPE = "../" * 8 + tempfile.gettempdir().lstrip("/") + "/volmap-escape"
SQUARE = [[100.4, 13.6], [100.7, 13.6], [100.7, 13.9], [100.4, 13.9], [100.4, 13.6]]


def admin_moderator():
    user = moderator()
    user.is_staff = True  # moderators work in the admin
    user.save(update_fields=["is_staff"])
    return user


@pytest.fixture
def canary():
    server = Canary()
    yield server
    server.close()


def feature_collection(*polygons, **extra):
    return {
        "type": "FeatureCollection",
        **extra,
        "features": [
            {
                "type": "Feature",
                "properties": {},
                "geometry": {"type": "Polygon", "coordinates": [p]},
            }
            for p in polygons
        ],
    }


def vrt(canary, secret_file):
    """An OGR VRT that names a URL (through /vsicurl/) and a local file."""
    return (
        "<OGRVRTDataSource>"
        f'<OGRVRTLayer name="a"><SrcDataSource>/vsicurl/{canary.url}/a.geojson</SrcDataSource>'
        "</OGRVRTLayer>"
        f'<OGRVRTLayer name="b"><SrcDataSource>{secret_file}</SrcDataSource></OGRVRTLayer>'
        "</OGRVRTDataSource>"
    )


def zipped(members: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


# --- GDAL opens nothing it was not meant to ------------------------------------------------------


def test_gdal_has_only_the_shapefile_driver():
    assert gdal.registered_drivers() == ["ESRI Shapefile"]


def test_gdal_refuses_vrt_urls_and_network_file_systems(canary, tmp_path):
    secret = tmp_path / "secret.geojson"
    secret.write_text(json.dumps(feature_collection(SQUARE)))
    disguised = tmp_path / "area.geojson"
    disguised.write_text(vrt(canary, secret))
    for source in (
        disguised,
        f"/vsicurl/{canary.url}/b.geojson",
        f"{canary.url}/c.geojson",
        f"WFS:{canary.url}/wfs",
        f"/vsizip//vsicurl/{canary.url}/d.zip",
    ):
        with pytest.raises(GDALException):
            DataSource(str(source))
    assert canary.requests == []


def upload_area(user, incident, name, content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return api(user).post(
        f"/api/v1/incidents/{incident.pk}/area/",
        {"file": SimpleUploadedFile(name, content)},
        format="multipart",
    )


def hostile_uploads(canary, secret):
    many = [
        [[100 + i * 0.001, 13], [100.0005 + i * 0.001, 13], [100 + i * 0.001, 13.0005]]
        for i in range(6000)
    ]
    for ring in many:
        ring.append(ring[0])
    return {
        "a VRT named .geojson": ("area.geojson", vrt(canary, secret).encode(), "GeoJSON"),
        "a crs that links to a URL": (
            "area.geojson",
            json.dumps(
                feature_collection(
                    SQUARE, crs={"type": "link", "properties": {"href": f"{canary.url}/crs"}}
                )
            ).encode(),
            "crs",
        ),
        "a crs on a feature": (
            "area.geojson",
            json.dumps(
                {
                    "type": "Feature",
                    "crs": {"type": "name", "properties": {"name": f"{canary.url}/crs"}},
                    "geometry": {"type": "Polygon", "coordinates": [SQUARE]},
                }
            ).encode(),
            "crs",
        ),
        "a VRT zipped as a shapefile": (
            "area.zip",
            zipped(
                {
                    "layer.shp": vrt(canary, secret).encode(),
                    "layer.shx": b"x" * 100,
                    "layer.dbf": b"x" * 100,
                }
            ),
            "ESRI shapefile",
        ),
        "a zip bomb": (
            "area.zip",
            zipped({"a.shp": b"\0" * (60 * 2**20), "a.shx": b"\0", "a.dbf": b"\0"}),
            "MB",
        ),
        "a suspicious compression ratio": (
            "area.zip",
            zipped({"a.shp": b"\0" * 100, "a.shx": b"\0" * 100, "a.dbf": b"\0" * (5 * 2**20)}),
            "บีบอัดได้มากผิดปกติ",
        ),
        "names that climb out of the folder": (
            "area.zip",
            zipped({f"{ESCAPE}{suffix}": b"x" for suffix in (".shp", ".shx", ".dbf")}),
            "ESRI shapefile",
        ),
        "not a zip at all": ("area.zip", b"PK\x03\x04 nothing", "zip"),
        "too many features": (
            "area.geojson",
            json.dumps(feature_collection(*many)).encode(),
            "5,000",
        ),
        "a shapefile alone": ("area.shp", b"x" * 100, ".zip"),
        "another kind of file": ("area.kml", b"<kml/>", ".geojson"),
        "more than 10 MB": ("area.geojson", b" " * (11 * 2**20), "10 MB"),
    }


def test_hostile_area_uploads_are_refused_with_a_reason_and_fetch_nothing(canary, tmp_path):
    secret = tmp_path / "secret.geojson"
    secret.write_text(json.dumps(feature_collection(SQUARE)))
    incident, user = IncidentFactory(), coordinator()
    for case, (name, content, reason) in hostile_uploads(canary, secret).items():
        started = time.monotonic()
        response = upload_area(user, incident, name, content)
        assert response.status_code == 400, (case, response.content[:300])
        assert reason in str(response.json()["file"]), (case, response.json())
        assert time.monotonic() - started < 5, f"{case}: took too long"
    incident.refresh_from_db()
    assert incident.affected_area is None
    assert canary.requests == []
    assert not Path(f"/{ESCAPE.lstrip('./')}.shp").exists()


def test_a_request_larger_than_any_upload_is_refused_before_it_is_read():
    incident = IncidentFactory()
    response = upload_area(coordinator(), incident, "area.geojson", b" " * (13 * 2**20))
    assert response.status_code == 413 and "MB" in response.json()["detail"]


def test_a_shapefile_of_many_tiny_polygons_is_refused_quickly(tmp_path):
    """The denial of service the security test found: a small zip of very many polygons."""
    import shutil
    import subprocess

    ogr2ogr = shutil.which("ogr2ogr")
    if ogr2ogr is None:
        pytest.skip("ogr2ogr (Debian's gdal-bin, which ./dev installs) is not on the PATH")
    rings = []
    for i in range(20_000):
        x, y = 100 + (i % 200) * 0.001, 13 + (i // 200) * 0.001
        rings.append([[x, y], [x + 0.0005, y], [x, y + 0.0005], [x, y]])
    source = tmp_path / "many.geojson"
    source.write_text(json.dumps(feature_collection(*rings)))
    subprocess.run(
        [ogr2ogr, "-f", "ESRI Shapefile", str(tmp_path / "many.shp"), str(source)],
        check=True,
        capture_output=True,
    )
    content = zipped(
        {p.name: p.read_bytes() for p in tmp_path.glob("many.*") if p.suffix != ".geojson"}
    )
    started = time.monotonic()
    response = upload_area(coordinator(), IncidentFactory(), "many.zip", content)
    assert response.status_code == 400 and "20,000" in str(response.json()["file"])
    assert time.monotonic() - started < 3


def test_the_coordinator_page_refuses_a_disguised_vrt_too(client, canary, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    incident = IncidentFactory()
    client.force_login(coordinator())
    upload = SimpleUploadedFile("area.geojson", vrt(canary, "/etc/passwd").encode())
    response = client.post(
        f"/coordinate/incidents/{incident.pk}/",
        {"name": incident.name, "starts_on": "2026-11-01", "area_file": upload},
    )
    assert response.status_code == 200 and "area_file" in response.context["form"].errors
    assert "GeoJSON" in str(response.context["form"].errors["area_file"])
    assert canary.requests == []


def test_official_imports_read_paths_the_same_way(canary, tmp_path):
    disguised = tmp_path / "tha_admbnda_adm1.geojson"
    disguised.write_text(vrt(canary, "/etc/passwd"))
    with pytest.raises(FileError, match="GeoJSON"):
        import_boundaries(disguised)
    linked = tmp_path / "adm1.geojson"
    linked.write_text(
        json.dumps(
            feature_collection(SQUARE, crs={"type": "link", "properties": {"href": canary.url}})
        )
    )
    with pytest.raises(FileError, match="crs"):
        import_boundaries(linked)
    assert canary.requests == []


# --- requests that answered 500 --------------------------------------------------------------------

ANONYMOUS = [
    "/api/v1/opportunities/?organization=²",
    "/api/v1/opportunities/?incident=²",
    "/opportunities/?organization=²",
    "/opportunities/?incident=²",
    "/exports/opportunities.csv?organization=²",
    "/exports/opportunities.geojson?incident=²",
    "/tiles/opportunities/6/50/29.geojson?organization=²",
    "/api/v1/opportunities/?q=a%00b",
    "/opportunities/?q=a%00b",
    "/api/v1/geocode/?q=%00",
    "/opportunities/?page=99999999999999999999",
    "/api/v1/opportunities/?page=99999999999999999999",
    "/api/v1/opportunities/?page_size=٣",
    "/api/v1/opportunities/?near=13.7,100.5&radius_km=nan",
    "/api/v1/opportunities/?near=13.7,100.5&radius_km=1e999",
    "/api/v1/opportunities/?bbox=nan,nan,nan,nan",
    "/api/v1/opportunities/?date_from=0001-01-01",
    "/api/v1/opportunities/?date_from=2027-01-09&date_to=2026-01-01",
    "/api/v1/organizations/?verified=²",
    "/api/v1/organizations/?area=٥٠",
    "/api/v1/reverse/?lat=nan&lon=100",
    "/tiles/opportunities/99/0/0.geojson",
    "/tiles/opportunities/5/99999999999999999999/0.geojson",
    "/tiles/nothing/5/0/0.geojson",
    "/opportunities/99999999999999999999/",
    "/organizations/99999999999999999999/",
    "/exports/opportunities/99999999999999999999/calendar.ics",
]


@pytest.mark.parametrize("url", ANONYMOUS)
def test_anonymous_requests_that_used_to_fail_answer_with_a_reason(client, url):
    response = client.get(url)
    assert response.status_code in (200, 400, 404), (url, response.status_code)
    if response.status_code == 200:
        if url.startswith("/opportunities/?"):  # the list shows the reason above the results
            assert 'role="alert"' in response.content.decode(), f"{url}: no reason shown"
        return
    if url.startswith(("/api/", "/tiles/", "/exports/")) and response.status_code == 400:
        assert response["Content-Type"].startswith("application/json"), url
        assert response.json()
    elif not url.startswith(("/api/", "/tiles/")):  # a page: the site's error page, in Thai
        assert "กลับไปที่แผนที่" in response.content.decode(), url


def test_a_nul_in_the_address_bar_is_refused_in_thai(client):
    response = client.get("/opportunities/?q=%00")
    assert response.status_code == 400 and "NUL" in response.content.decode()


def test_deeply_nested_json_is_a_400(client):
    user = coordinator()
    body = '{"a":' * 5000 + "1" + "}" * 5000
    for url in ("/api/v1/needs/", "/api/v1/incidents/", "/api/v1/opportunities/"):
        response = api(user).post(url, body, content_type="application/json")
        assert response.status_code == 400, url
    shallow_but_deep = json.dumps(
        {
            "name": "x",
            "affected_area": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]],
        }
    )
    assert (
        api(user)
        .post("/api/v1/incidents/", shallow_but_deep, content_type="application/json")
        .status_code
        == 400
    )


def test_an_incident_that_ends_before_it_would_start_is_a_400():
    response = api(coordinator()).post(
        "/api/v1/incidents/", {"name": "น้ำท่วม", "ends_on": "2020-01-01"}, format="json"
    )
    assert response.status_code == 400 and "ends_on" in response.json()
    assert not Incident.objects.exists()


MALFORMED_NEEDS = {
    "latin-1 text": "external_id,title,category,address\n1,a,food_water,\xe9\xe8\n".encode(
        "latin-1"
    ),
    "a NUL byte": b"external_id,title,category,address\n1,a\x00b,food_water,x\n",
    "a field of 200,000 characters": (
        "external_id,title,category,address\n1," + "a" * 200_000 + ",food_water,x\n"
    ).encode(),
    "binary": bytes(range(256)) * 10,
    "an unterminated quote": b'external_id,title,category,address\n1,"unterminated,food_water,x\n',
    "a superscript number": "external_id,title,category,latitude,longitude,people_affected\n1,a,food_water,18.7,98.9,²\n".encode(),
    "nothing at all": b"",
}


def test_malformed_needs_files_are_reported_not_crashed_on(
    client, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(coordinator())
    for case, content in MALFORMED_NEEDS.items():
        with django_capture_on_commit_callbacks(execute=True):  # the worker's part, here
            response = client.post(
                "/coordinate/needs/import/", {"file": SimpleUploadedFile("needs.csv", content)}
            )
        if response.status_code == 302:
            response = client.get(response["Location"])
        assert response.status_code == 200, case
        page = response.content.decode()
        if "form" in response.context:  # refused on upload
            reasons = [
                str(e) for errors in response.context["form"].errors.values() for e in errors
            ]
        else:  # imported: the file's faults, or each row's
            job, report = response.context["job"], response.context["report"]
            reasons = [job.error] if job.error else [r for _line, r in report["rejected"]]
        assert reasons and all(reasons), case
        assert escape(reasons[0]) in page, case


def test_the_admin_refuses_a_shift_capacity_below_its_confirmed_volunteers(client):
    shift = ShiftFactory(capacity=3)
    for _ in range(2):
        signups.sign_up(VolunteerFactory().user, shift.pk)
    client.force_login(admin_moderator())
    url = f"/admin/opportunities/opportunity/{shift.opportunity_id}/change/"
    page = client.get(url)
    data = form_data(page.content.decode(), "opportunity_form")
    [capacity] = [k for k in data if k.startswith("shifts-") and k.endswith("-capacity")]
    data[capacity] = "1"
    response = client.post(url, data)
    assert response.status_code == 200
    assert "2 " in response.content.decode() and "errornote" in response.content.decode()
    shift.refresh_from_db()
    assert shift.capacity == 3


# --- CSV formula injection -----------------------------------------------------------------------


def test_csv_exports_cannot_carry_formulas_and_re_import_unchanged(client, tmp_path):
    from opportunities.importing import import_opportunities
    from places.importing import import_organizations

    organization = OrganizationFactory(name_th="+cmd|' /C calc'!A0", external_id="org-1")
    OpportunityFactory(
        organization=organization,
        external_id="opp-1",
        title='=HYPERLINK("http://evil.example/","คลิก")',
        description="@SUM(1+1)\tและ\r-2+3",
    )
    for url in ("/exports/opportunities.csv", "/exports/organizations.csv"):
        text = b"".join(client.get(url).streaming_content).decode()
        for row in csv.reader(io.StringIO(text)):
            for cell in row:
                assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (url, cell)
        path = tmp_path / url.rsplit("/", 1)[1]
        path.write_text(text)
    # Read back, the apostrophes are gone: the texts are what was written (the factory's pins,
    # re-geocoded from the address, may move; a second import then changes nothing).
    for _ in range(2):
        import_organizations(tmp_path / "organizations.csv", commit=True)
        report = import_opportunities(tmp_path / "opportunities.csv", commit=True)
    assert report.unchanged == 1 and not report.rejected
    organization.refresh_from_db()
    assert organization.name_th == "+cmd|' /C calc'!A0"
    opportunity = Opportunity.objects.get(external_id="opp-1")
    assert opportunity.title == '=HYPERLINK("http://evil.example/","คลิก")'
    assert opportunity.description == "@SUM(1+1)\tและ\r-2+3"


# --- no role widens its own access ---------------------------------------------------------------


def test_moderators_cannot_put_themselves_on_an_organization_staff(client):
    opportunity = OpportunityFactory()
    organization = opportunity.organization
    owner = staff_of(organization, role=Membership.Role.OWNER)
    user = admin_moderator()
    client.force_login(user)
    url = f"/admin/places/organization/{organization.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    data = form_data(page.content.decode(), "organization_form")
    # What a hand-made request would add: a new inline membership row for themselves.
    data.update(
        {
            "members-TOTAL_FORMS": "2",
            "members-INITIAL_FORMS": data.get("members-INITIAL_FORMS", "1"),
            "members-1-user": str(user.pk),
            "members-1-role": "owner",
            "members-1-organization": str(organization.pk),
        }
    )
    client.post(url, data)
    assert not Membership.objects.filter(user=user).exists()
    assert (
        client.post(
            f"/manage/organizations/{organization.pk}/staff/",
            {"action": "add", "email": user.email, "role": "owner"},
        ).status_code
        == 404
    )
    assert not Membership.objects.filter(user=user).exists()
    assert Membership.objects.filter(organization=organization).get().user == owner


ROLES = [
    "anonymous",
    "volunteer",
    "other staff",
    "moderator",
    "coordinator",
    "superuser",
    "editor",
    "owner",
]


@pytest.fixture
def roster_world():
    opportunity = OpportunityFactory()
    shift = ShiftFactory(opportunity=opportunity)
    volunteer = VolunteerFactory(phone="081-234-5678")
    signup, _ = signups.sign_up(volunteer.user, shift.pk)
    started = timezone.now() - timedelta(hours=3)  # attendance is recorded once it started
    Shift.objects.filter(pk=shift.pk).update(
        starts_at=started, ends_at=started + timedelta(hours=2)
    )
    users = {
        "anonymous": None,
        "volunteer": VolunteerFactory().user,
        "other staff": staff_of(OrganizationFactory(), role=Membership.Role.OWNER),
        "moderator": moderator(),
        "coordinator": coordinator(),
        "superuser": User.objects.create_superuser(
            "root@example.org", "root@example.org", "x" * 12
        ),
        "editor": staff_of(opportunity.organization),
        "owner": staff_of(opportunity.organization, role=Membership.Role.OWNER),
    }
    return opportunity, signup, users


@pytest.mark.parametrize("role", ROLES)
def test_every_path_to_a_roster_per_role(roster_world, role, client):
    opportunity, signup, users = roster_world
    user = users[role]
    allowed = role in ("editor", "owner")
    if user:
        client.force_login(user)
    page = client.get(f"/manage/opportunities/{opportunity.pk}/roster/")
    phone = "081-234-5678"
    if allowed:
        assert page.status_code == 200 and phone in page.content.decode()
    else:
        assert page.status_code in (302, 404) and phone not in page.content.decode()
    roster = api(user).get(f"/api/v1/opportunities/{opportunity.pk}/roster/")
    assert roster.status_code == (200 if allowed else 401 if user is None else 404)
    attendance = api(user).post(
        f"/api/v1/sign-ups/{signup.pk}/attendance/", {"attended": True}, format="json"
    )
    assert attendance.status_code == (200 if allowed else 401 if user is None else 404)
    posted = client.post(
        f"/manage/opportunities/{opportunity.pk}/roster/",
        {"sign_up": signup.pk, "attended": "yes", "hours": "2"},
    )
    assert posted.status_code in ((302,) if allowed else (302, 404))
    signup.refresh_from_db()
    assert (signup.hours is not None) == allowed
    # And the staff page, the way onto a roster: only owners (and superusers) change it.
    staff_page = client.post(
        f"/manage/organizations/{opportunity.organization_id}/staff/",
        {"action": "add", "email": users["volunteer"].email, "role": "editor"},
    )
    added = Membership.objects.filter(user=users["volunteer"]).exists()
    assert added == (role == "owner"), (role, staff_page.status_code)


def test_staff_changes_are_logged_and_an_organization_keeps_an_owner(client):
    organization = OrganizationFactory()
    owner = staff_of(organization, role=Membership.Role.OWNER)
    colleague = UserFactory(email="somchai@example.org")
    client.force_login(owner)
    url = f"/manage/organizations/{organization.pk}/staff/"
    client.post(url, {"action": "add", "email": "SomChai@example.org", "role": "editor"})
    membership = Membership.objects.get(user=colleague)
    client.post(url, {"action": "role", "membership": membership.pk, "role": "owner"})
    client.post(url, {"action": "remove", "membership": Membership.objects.get(user=owner).pk})
    client.force_login(colleague)
    last = client.post(url, {"action": "remove", "membership": membership.pk}, follow=True)
    assert Membership.objects.filter(organization=organization).get().user == colleague
    assert "อย่างน้อยหนึ่งคน" in last.content.decode()
    log = list(StaffChange.objects.filter(organization=organization).order_by("pk"))
    assert [(c.member_email, c.action, c.role) for c in log] == [
        ("somchai@example.org", "added", "editor"),
        ("somchai@example.org", "role", "owner"),
        (owner.email, "removed", "owner"),
    ]
    assert all(c.actor in (owner, colleague) for c in log)
    assert (
        client.post(url, {"action": "role", "membership": "²", "role": "owner"}).status_code == 404
    )


# --- log-in, password reset, registration: limited -------------------------------------------------


def test_a_hundred_wrong_passwords_and_the_right_one_is_still_refused(client):
    user = UserFactory(username="nid@example.org", email="nid@example.org")
    for attempt in range(100):
        response = client.post(
            "/accounts/login/", {"username": "NID@example.org", "password": f"guess-{attempt}"}
        )
        assert response.status_code == 200
    refused = client.post(
        "/accounts/login/", {"username": "nid@example.org", "password": "a-long-test-password"}
    )
    assert refused.status_code == 200 and "15 นาที" in refused.content.decode()
    assert "_auth_user_id" not in client.session
    # Another account from the same address is still let in until the address's own limit.
    other = UserFactory(username="ploy@example.org", email="ploy@example.org")
    assert user.pk != other.pk


def test_many_accounts_from_one_address_meet_the_address_limit(client):
    for n in range(31):
        client.post("/accounts/login/", {"username": f"u{n}@example.org", "password": "nope"})
    UserFactory(username="real@example.org", email="real@example.org")
    refused = client.post(
        "/accounts/login/", {"username": "real@example.org", "password": "a-long-test-password"}
    )
    assert "15 นาที" in refused.content.decode() and "_auth_user_id" not in client.session


def test_password_reset_e_mails_are_limited(client):
    UserFactory(username="kai@example.org", email="kai@example.org")
    for _ in range(10):
        client.post("/accounts/password_reset/", {"email": "kai@example.org"})
    assert len(mail.outbox) == 3
    refused = client.post("/accounts/password_reset/", {"email": "kai@example.org"})
    assert "หนึ่งชั่วโมง" in refused.content.decode()


def test_a_new_password_revokes_api_tokens(client):
    user = UserFactory(username="fon@example.org", email="fon@example.org")
    token = Token.objects.create(user=user)
    assert api().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token.key}").status_code in (
        200,
        404,
    )
    client.post("/accounts/password_reset/", {"email": "fon@example.org"})
    link = next(line for line in mail.outbox[0].body.splitlines() if "/reset/" in line)
    path = link[link.index("/", link.index("//") + 2) :].strip()
    form = client.get(path, follow=True)
    client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "a-brand-new-passw0rd", "new_password2": "a-brand-new-passw0rd"},
    )
    assert not Token.objects.filter(user=user).exists()
    assert api().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token.key}").status_code == 401


def test_shift_deletion_with_sign_ups_is_refused_in_the_admin_too(client):
    shift = ShiftFactory(capacity=2)
    signups.sign_up(VolunteerFactory().user, shift.pk)
    client.force_login(
        User.objects.create_superuser("root@example.org", "root@example.org", "x" * 12)
    )
    url = f"/admin/opportunities/opportunity/{shift.opportunity_id}/change/"
    data = form_data(client.get(url).content.decode(), "opportunity_form")
    [delete] = [
        k.replace("-id", "-DELETE")
        for k in data
        if k.startswith("shifts-") and k.endswith("-id") and "__prefix__" not in k
    ]
    data[delete] = "on"
    response = client.post(url, data)
    assert response.status_code == 200 and "errornote" in response.content.decode()
    assert Shift.objects.filter(pk=shift.pk).exists()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_registration_limit_is_shared_by_every_server_process():
    """Two servers (one worker each) share the cache: the eleventh registration from one address
    in an hour is refused though no process saw more than six."""
    import os
    import re
    from urllib.parse import urlencode

    from django.db import connection

    from tests.servers import Server
    from tests.test_foundation import PRODUCTION_ENV, subprocess_env

    if not os.environ.get("CACHE_URL", "").startswith(("redis", "unix")):
        pytest.skip("needs the shared Redis cache that ./dev test starts (CACHE_URL)")
    database = connection.settings_dict
    environ = subprocess_env(
        **{**PRODUCTION_ENV, "DEBUG": "1"},  # static files need no manifest; the rest as deployed
        DATABASE_URL=f"postgis://{database['USER']}@/{database['NAME']}",
        SECURE_PROXY_SSL_HEADER_ENABLED="1",
    )
    servers = [Server(environ, workers=1) for _ in range(2)]
    try:
        answers = []
        for n in range(11):
            server = servers[n % 2]
            server.get("/accounts/register/")
            body = urlencode(
                {
                    "csrfmiddlewaretoken": server.cookie("csrftoken"),
                    "email": f"person{n}@example.org",
                    "display_name": f"คน {n}",
                    "password1": "a-long-test-password",
                    "password2": "a-long-test-password",
                    "consent": "on",
                }
            ).encode()
            status, _, page = server.get(
                "/accounts/register/",
                data=body,
                headers={
                    "Referer": "https://volunteer.example.org/accounts/register/",
                    "Content-Type": "application/x-www-form-urlencoded",
                },
            )
            answers.append((status, "มากเกินไป" in page))
        assert answers[:10] == [(200, False)] * 10, answers
        assert answers[10] == (200, True), answers
        assert User.objects.count() == 10
        assert all(re.match(r"person\d+@example.org", u.email) for u in User.objects.all())
    finally:
        for server in servers:
            server.stop()


def test_a_drawn_area_with_a_crs_reaches_neither_gdal_nor_the_network(client, canary):
    client.force_login(coordinator())
    drawn = {
        "type": "Polygon",
        "coordinates": [SQUARE],
        "crs": {"type": "link", "properties": {"href": f"{canary.url}/crs"}},
    }
    for field_value in (
        json.dumps(drawn),
        json.dumps({**drawn, "crs": {"type": "name", "properties": {"name": "/etc/passwd"}}}),
    ):
        response = client.post(
            "/coordinate/incidents/new/",
            {"name": "น้ำท่วม", "starts_on": "2026-11-01", "affected_area": field_value},
        )
        assert response.status_code == 200 and "affected_area" in response.context["form"].errors
    plain = {"type": "Polygon", "coordinates": [SQUARE]}
    response = client.post(
        "/coordinate/incidents/new/",
        {"name": "น้ำท่วม", "starts_on": "2026-11-01", "affected_area": json.dumps(plain)},
    )
    assert response.status_code == 302
    assert Incident.objects.get().affected_area.num_geom == 1
    assert canary.requests == []
