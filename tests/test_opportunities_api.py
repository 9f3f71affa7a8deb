"""The organizations and opportunities API: GeoJSON, filters, bad input, writes and moderation,
and a permission test for every endpoint and role."""

import json

import pytest
from django.contrib.gis.geos import Point
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from opportunities.models import Opportunity, Status
from places.models import Membership, ModerationStatus, Organization
from tests.conftest import api, streamed
from tests.factories import (
    OpportunityFactory,
    OrganizationFactory,
    ShiftFactory,
    UserFactory,
    moderator,
    staff_of,
)

pytestmark = pytest.mark.django_db


def features(response):
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["type"] == "FeatureCollection"
    assert "CC BY-NC-SA 3.0 TH" in body["attribution"]
    return body["features"]


# --- reading --------------------------------------------------------------------------------------


def test_list_is_geojson_with_lon_lat_order(client):
    o = OpportunityFactory(location=Point(100.5018, 13.7563, srid=4326))
    [feature] = features(client.get("/api/v1/opportunities/"))
    assert feature["geometry"] == {"type": "Point", "coordinates": [100.5018, 13.7563]}
    assert feature["properties"]["title"] == o.title
    assert feature["properties"]["organization"]["name_th"] == o.organization.name_th
    assert feature["properties"]["url"].endswith(f"/opportunities/{o.pk}/")


def test_an_opportunity_is_the_same_feature_wherever_it_is_written(client):
    """PostgreSQL writes an opportunity's Feature (opportunities.serializers.feature_json): the
    list, a radius page, the detail and the GeoJSON export give the same one."""
    o = OpportunityFactory(
        location=Point(98.98765432, 18.7883, srid=4326),
        causes=["education", "elderly"],
        skills=[],
        minimum_age=None,
        family_friendly=True,
    )
    remote = OpportunityFactory(
        mode="remote", location=None, address="", precision="", area_id="10", ends_on=None
    )
    listed = {f["id"]: f for f in features(client.get("/api/v1/opportunities/"))}
    assert listed[o.pk] == {
        "type": "Feature",
        "id": o.pk,
        "geometry": {"type": "Point", "coordinates": [98.987654, 18.7883]},
        "properties": {
            "id": o.pk,
            "title": o.title,
            "title_en": "",
            "organization": {
                "id": o.organization_id,
                "name_th": o.organization.name_th,
                "name_en": o.organization.name_en,
                "verified": o.organization.verified,
            },
            "causes": ["education", "elderly"],
            "skills": [],
            "languages": ["th"],
            "mode": "onsite",
            "schedule": "one_off",
            "starts_on": o.starts_on.isoformat(),
            "ends_on": o.ends_on.isoformat(),
            "volunteers_needed": o.volunteers_needed,
            "minimum_age": None,
            "family_friendly": True,
            "address": o.address,
            "precision": "exact",
            "province": "50",
            "amphoe": "5001",
            "tambon": "500101",
            "status": "published",
            "url": f"http://testserver/opportunities/{o.pk}/",
        },
    }
    remote_properties = listed[remote.pk]["properties"]
    assert listed[remote.pk]["geometry"] is None
    assert [remote_properties[k] for k in ("precision", "province", "amphoe", "tambon")] == [
        None,
        "10",
        None,
        None,
    ]
    assert remote_properties["ends_on"] is None
    [near] = features(client.get("/api/v1/opportunities/", {"near": "18.79,98.99"}))
    assert 0 < near["properties"].pop("distance_km") < 1
    assert near == listed[o.pk]
    exported = json.loads(streamed(client.get("/exports/opportunities.geojson")))["features"]
    assert {f["id"]: f for f in exported} == listed
    for one in (o, remote):
        detail = client.get(f"/api/v1/opportunities/{one.pk}/").json()
        for name in ("description", "accessibility_notes", "rejection_reason", "shifts"):
            del detail["properties"][name]
        del detail["properties"]["co_organizers"]
        assert detail == listed[one.pk]


def test_nothing_unpublished_is_public(client):
    visible = OpportunityFactory()
    hidden = [
        OpportunityFactory(status=Status.PENDING),
        OpportunityFactory(status=Status.DRAFT),
        OpportunityFactory(status=Status.REJECTED),
        OpportunityFactory(status=Status.CLOSED),
        OpportunityFactory(organization=OrganizationFactory(status=ModerationStatus.PENDING)),
        OpportunityFactory(organization=OrganizationFactory(status=ModerationStatus.REJECTED)),
    ]
    past = OpportunityFactory(starts_on="2020-01-01", ends_on="2020-01-02")
    assert [f["id"] for f in features(client.get("/api/v1/opportunities/"))] == [visible.pk]
    for o in [*hidden, past]:
        assert client.get(f"/api/v1/opportunities/{o.pk}/").status_code == 404
        assert client.get(f"/opportunities/{o.pk}/").status_code == 404
    assert hidden[-1].organization.pk not in [
        f["id"] for f in features(client.get("/api/v1/organizations/"))
    ]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"cause": "animals"}, {"dogs"}),
        ({"cause": "animals,education"}, {"dogs", "school"}),
        ({"skill": "teaching"}, {"school"}),
        ({"mode": "remote"}, {"online"}),
        ({"remote": "true"}, {"online"}),
        ({"schedule": "event"}, {"fair"}),
        ({"family_friendly": "true"}, {"dogs"}),
        ({"area": "50"}, {"dogs", "school"}),
        ({"area": "1004"}, {"fair"}),
        ({"area": "500101"}, {"dogs"}),
        ({"q": "สุนัข"}, {"dogs"}),
        ({"q": "fair"}, {"fair"}),
        ({"date_from": "2030-03-01", "date_to": "2030-03-31"}, {"fair", "online"}),
        ({"date_to": "2030-01-15"}, {"dogs", "school", "online"}),
        ({"bbox": "98.5,18.5,99.5,19.5"}, {"dogs", "school"}),
    ],
)
def test_filters(client, params, expected):
    OpportunityFactory(
        title="พาสุนัขเดินเล่น",
        causes=["animals"],
        family_friendly=True,
        starts_on="2030-01-10",
        ends_on="2030-01-10",
    )
    OpportunityFactory(
        title="สอนหนังสือ",
        causes=["education"],
        skills=["teaching"],
        area_id="500102",
        starts_on="2030-01-01",
        ends_on="2030-02-01",
        location=Point(98.99, 18.79, srid=4326),
    )
    OpportunityFactory(
        title="Volunteer fair",
        title_en="Volunteer fair",
        causes=["community"],
        schedule="event",
        area_id="100402",
        location=Point(100.53, 13.72, srid=4326),
        starts_on="2030-03-10",
        ends_on="2030-03-11",
    )
    OpportunityFactory(
        title="online",
        mode="remote",
        location=None,
        area_id=None,
        starts_on="2030-01-01",
        ends_on=None,
    )
    titles = {
        "พาสุนัขเดินเล่น": "dogs",
        "สอนหนังสือ": "school",
        "Volunteer fair": "fair",
        "online": "online",
    }
    found = {
        titles[f["properties"]["title"]]
        for f in features(client.get("/api/v1/opportunities/", {**params, "page_size": 100}))
    }
    assert found == expected


def test_near_an_address_or_postcode(client):
    o = OpportunityFactory()
    body = client.get(
        "/api/v1/opportunities/", {"near": "ต.ศรีภูมิ อ.เมือง จ.เชียงใหม่", "radius_km": 30}
    ).json()
    assert [f["id"] for f in body["features"]] == [o.pk]
    assert body["search"]["geocoded"] == "ต.ศรีภูมิ อ.เมือง จ.เชียงใหม่"
    assert body["search"]["precision"] in ("tambon", "amphoe")
    assert (
        client.get("/api/v1/opportunities/", {"near": "50200", "radius_km": 30}).json()["search"][
            "precision"
        ]
        == "postcode"
    )


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"near": "nan,100"}, "near"),
        ({"near": "13.7,inf"}, "near"),
        ({"near": "100.5,13.7"}, "near"),
        ({"near": "91,100"}, "near"),
        ({"near": "35.6,139.7"}, "near"),
        ({"near": "asdfgh"}, "near"),
        ({"near": "13.7,100.5", "radius_km": "-1"}, "radius_km"),
        ({"near": "13.7,100.5", "radius_km": "0"}, "radius_km"),
        ({"near": "13.7,100.5", "radius_km": "100000"}, "radius_km"),
        ({"near": "13.7,100.5", "radius_km": "nan"}, "radius_km"),
        ({"near": "13.7,100.5", "radius_km": "abc"}, "radius_km"),
        ({"radius_km": "5"}, "radius_km"),
        ({"bbox": "90,0,110,30"}, "bbox"),
        ({"bbox": "1,2,3"}, "bbox"),
        ({"bbox": "101,14,100,13"}, "bbox"),
        ({"bbox": "nan,1,2,3"}, "bbox"),
        ({"cause": "unicorns"}, "cause"),
        ({"skill": "x"}, "skill"),
        ({"date_from": "yesterday"}, "date_from"),
        ({"date_from": "2030-02-01", "date_to": "2030-01-01"}, "date_to"),
        ({"area": "5"}, "area"),
        ({"area": "TH50"}, "area"),
        ({"organization": "x"}, "organization"),
        ({"page": "0"}, "page"),
        ({"page_size": "1000"}, "page_size"),
        ({"q": "ก" * 201}, "q"),
    ],
)
def test_bad_input_gets_a_clear_400(client, params, field):
    response = client.get("/api/v1/opportunities/", params)
    assert response.status_code == 400, response.content
    assert field in response.json()


def test_detail_has_shifts(client):
    shift = ShiftFactory()
    body = client.get(f"/api/v1/opportunities/{shift.opportunity.pk}/").json()
    assert body["properties"]["shifts"][0]["capacity"] == 10


# --- writing --------------------------------------------------------------------------------------


def new_opportunity(org, **extra):
    return {"organization": org.pk, "title": "ปลูกป่า", "causes": ["environment"], **extra}


def test_staff_create_at_the_organization_location_then_submit():
    org = OrganizationFactory(verified=False, status=ModerationStatus.PUBLISHED)
    client = api(staff_of(org))
    response = client.post(
        "/api/v1/opportunities/",
        new_opportunity(
            org,
            shifts=[
                {
                    "starts_at": "2030-01-05T09:00:00+07:00",
                    "ends_at": "2030-01-05T12:00:00+07:00",
                    "capacity": 5,
                }
            ],
        ),
        format="json",
    )
    assert response.status_code == 201, response.content
    o = Opportunity.objects.get(pk=response.json()["id"])
    assert (o.status, o.location, o.area_id) == (Status.DRAFT, org.location, org.area_id)
    assert o.shifts.get().capacity == 5
    assert (
        client.post(f"/api/v1/opportunities/{o.pk}/submit/").json()["properties"]["status"]
        == "pending"
    )


def test_verified_organizations_publish_without_review():
    org = OrganizationFactory(verified=True)
    client = api(staff_of(org))
    pk = client.post("/api/v1/opportunities/", new_opportunity(org), format="json").json()["id"]
    assert (
        client.post(f"/api/v1/opportunities/{pk}/submit/").json()["properties"]["status"]
        == "published"
    )


def test_own_address_is_geocoded_and_a_pin_is_exact():
    org = OrganizationFactory()
    client = api(staff_of(org))
    body = client.post(
        "/api/v1/opportunities/",
        new_opportunity(org, use_organization_location=False, address="แขวงสีลม เขตบางรัก กทม."),
        format="json",
    ).json()
    # The package gazetteer has a point inside แขวงสีลม: the precision says so.
    assert body["properties"]["tambon"] == "100402" and body["properties"]["precision"] == "tambon"
    body = client.post(
        "/api/v1/opportunities/",
        new_opportunity(org, location={"type": "Point", "coordinates": [100.5018, 13.7563]}),
        format="json",
    ).json()
    assert body["properties"]["precision"] == "exact" and body["properties"]["province"] == "10"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"address": "asdfgh", "use_organization_location": False}, "address"),
        ({"location": {"type": "Point", "coordinates": [13.75, 100.5]}}, "location"),
        ({"location": {"type": "Point", "coordinates": [139.7, 35.6]}}, "location"),
        ({"location": {"type": "Point", "coordinates": ["NaN", 13]}}, "location"),
        ({"location": {"type": "Point", "coordinates": [100.5]}}, "location"),
        ({"location": {"type": "LineString", "coordinates": [[100, 13], [101, 14]]}}, "location"),
        (
            {
                "location": {
                    "type": "Point",
                    "coordinates": [100.5, 13.7],
                    "crs": {"type": "name", "properties": {"name": "/etc/passwd"}},
                }
            },
            "location",
        ),
        ({"location": "POINT(100.5 13.7)"}, "location"),
        ({"causes": ["unicorns"]}, "causes"),
        ({"causes": []}, "causes"),
        ({"starts_on": "2030-02-01", "ends_on": "2030-01-01"}, "ends_on"),
        (
            {
                "shifts": [
                    {
                        "starts_at": "2030-01-05T12:00:00Z",
                        "ends_at": "2030-01-05T09:00:00Z",
                        "capacity": 5,
                    }
                ]
            },
            "shifts",
        ),
        (
            {
                "shifts": [
                    {
                        "starts_at": "2030-01-05T09:00:00Z",
                        "ends_at": "2030-01-05T12:00:00Z",
                        "capacity": 0,
                    }
                ]
            },
            "shifts",
        ),
        ({"volunteers_needed": -1}, "volunteers_needed"),
    ],
)
def test_bad_writes_get_a_clear_400_and_save_nothing(payload, field):
    org = OrganizationFactory()
    response = api(staff_of(org)).post(
        "/api/v1/opportunities/", new_opportunity(org, **payload), format="json"
    )
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not Opportunity.objects.exists()


def test_an_oversized_body_is_refused():
    org = OrganizationFactory()
    body = json.dumps(new_opportunity(org, description="ก" * 2_000_000))
    response = api(staff_of(org)).post(
        "/api/v1/opportunities/", body, content_type="application/json"
    )
    assert response.status_code in (400, 413)
    assert not Opportunity.objects.exists()


def test_new_organizations_start_pending_and_their_creator_owns_them():
    user = UserFactory()
    response = api(user).post(
        "/api/v1/organizations/",
        {"name_th": "กลุ่มใหม่", "kind": "community", "address": "ต.สุเทพ อ.เมือง จ.เชียงใหม่"},
        format="json",
    )
    assert response.status_code == 201, response.content
    org = Organization.objects.get(name_th="กลุ่มใหม่")
    assert org.status == ModerationStatus.PENDING and org.area_id == "500108"
    assert Membership.objects.get(organization=org).user == user
    assert org.pk not in [f["id"] for f in api().get("/api/v1/organizations/").json()["features"]]
    assert api(user).get(f"/api/v1/organizations/{org.pk}/").status_code == 200
    assert api(UserFactory()).get(f"/api/v1/organizations/{org.pk}/").status_code == 404


def test_moving_the_organization_moves_its_opportunities():
    org = OrganizationFactory()
    follows = OpportunityFactory(organization=org, use_organization_location=True)
    own = OpportunityFactory(organization=org, use_organization_location=False)
    api(staff_of(org)).patch(
        f"/api/v1/organizations/{org.pk}/",
        {"location": {"type": "Point", "coordinates": [100.5, 13.75]}},
        format="json",
    )
    follows.refresh_from_db(), own.refresh_from_db()
    assert (follows.location.x, follows.location.y, follows.precision) == (100.5, 13.75, "exact")
    assert own.location.x == pytest.approx(98.9853)


def test_moderation_with_reason():
    o = OpportunityFactory(status=Status.PENDING)
    client = api(moderator())
    assert client.post(f"/api/v1/opportunities/{o.pk}/reject/", {}).status_code == 400
    body = client.post(f"/api/v1/opportunities/{o.pk}/reject/", {"reason": "ข้อมูลไม่ครบ"}).json()
    assert (
        body["properties"]["status"] == "rejected"
        and body["properties"]["rejection_reason"] == "ข้อมูลไม่ครบ"
    )
    assert client.post(f"/api/v1/opportunities/{o.pk}/approve/").status_code == 409


# --- authentication ------------------------------------------------------------------------------


def test_session_writes_need_the_csrf_token():
    org = OrganizationFactory()
    user = staff_of(org)
    client = APIClient(enforce_csrf_checks=True)
    client.login(username=user.username, password="a-long-test-password")
    response = client.post("/api/v1/opportunities/", new_opportunity(org), format="json")
    assert response.status_code == 403 and "CSRF" in response.json()["detail"]


def test_token_authentication():
    org = OrganizationFactory()
    token = Token.objects.create(user=staff_of(org))
    client = APIClient(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert (
        client.post("/api/v1/opportunities/", new_opportunity(org), format="json").status_code
        == 201
    )
    assert (
        APIClient(HTTP_AUTHORIZATION="Token wrong")
        .post("/api/v1/opportunities/", new_opportunity(org), format="json")
        .status_code
        == 401
    )


# --- every endpoint, every role --------------------------------------------------------------------

ROLES = ["anonymous", "volunteer", "staff", "other_staff", "moderator"]


@pytest.fixture
def world():
    org = OrganizationFactory()
    other = OrganizationFactory()
    users = {
        "anonymous": None,
        "volunteer": UserFactory(),
        "staff": staff_of(org),
        "other_staff": staff_of(other),
        "moderator": moderator(),
    }
    return org, users


def status_of(user, method, url, data=None):
    return getattr(api(user), method)(url, data, format="json").status_code


# (method, url template, payload, expected per role: anonymous, volunteer, staff, other staff, moderator)
OPPORTUNITY_MATRIX = [
    ("get", "/api/v1/opportunities/", None, [200, 200, 200, 200, 200]),
    ("get", "/api/v1/opportunities/{published}/", None, [200, 200, 200, 200, 200]),
    ("get", "/api/v1/opportunities/{pending}/", None, [404, 404, 200, 404, 200]),
    ("post", "/api/v1/opportunities/", "new", [401, 400, 201, 400, 201]),
    ("patch", "/api/v1/opportunities/{published}/", {"title": "แก้"}, [401, 403, 200, 403, 200]),
    ("delete", "/api/v1/opportunities/{draft}/", None, [401, 404, 204, 404, 204]),
    ("post", "/api/v1/opportunities/{draft}/submit/", None, [401, 404, 200, 404, 200]),
    ("post", "/api/v1/opportunities/{published}/close/", None, [401, 403, 200, 403, 200]),
    ("post", "/api/v1/opportunities/{pending}/approve/", None, [401, 403, 403, 403, 200]),
    ("post", "/api/v1/opportunities/{pending}/reject/", {"reason": "x"}, [401, 403, 403, 403, 200]),
]
ORGANIZATION_MATRIX = [
    ("get", "/api/v1/organizations/", None, [200, 200, 200, 200, 200]),
    ("get", "/api/v1/organizations/{org}/", None, [200, 200, 200, 200, 200]),
    (
        "post",
        "/api/v1/organizations/",
        {"name_th": "ใหม่", "kind": "informal", "address": "ต.สุเทพ จ.เชียงใหม่"},
        [401, 201, 201, 201, 201],
    ),
    ("patch", "/api/v1/organizations/{org}/", {"phone": "02-000-0000"}, [401, 403, 200, 403, 200]),
    ("delete", "/api/v1/organizations/{other_pending}/", None, [401, 404, 404, 404, 204]),
    ("post", "/api/v1/organizations/{org}/approve/", None, [401, 403, 403, 403, 200]),
    ("post", "/api/v1/organizations/{org}/reject/", {"reason": "x"}, [401, 403, 403, 403, 200]),
    ("post", "/api/v1/organizations/{org}/verify/", None, [401, 403, 403, 403, 200]),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("method", "url", "payload", "expected"),
    OPPORTUNITY_MATRIX + ORGANIZATION_MATRIX,
    ids=[f"{m} {u}" for m, u, _, _ in OPPORTUNITY_MATRIX + ORGANIZATION_MATRIX],
)
def test_permissions(world, role, method, url, payload, expected):
    org, users = world
    ids = {
        "org": org.pk,
        "published": OpportunityFactory(organization=org).pk,
        "pending": OpportunityFactory(organization=org, status=Status.PENDING).pk,
        "draft": OpportunityFactory(organization=org, status=Status.DRAFT).pk,
        "other_pending": OrganizationFactory(status=ModerationStatus.PENDING).pk,
    }
    if payload == "new":
        payload = new_opportunity(org)
    got = status_of(users[role], method, url.format(**ids), payload)
    assert got == expected[ROLES.index(role)], f"{role} {method} {url}: {got}"
