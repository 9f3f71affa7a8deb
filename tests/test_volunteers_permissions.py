"""Every volunteer endpoint for every role, and the PDPA promise that a volunteer's home is served
to no one else, nor any distance to it."""

import datetime

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone
from rest_framework.test import APIClient

from tests.factories import (
    OpportunityFactory,
    ShiftFactory,
    VolunteerFactory,
    moderator,
    staff_of,
)
from volunteers import privacy, signups
from volunteers.models import SignUp

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "owner", "other_volunteer", "staff", "other_staff", "moderator"]


@pytest.fixture
def world():
    opportunity = OpportunityFactory()
    owner = VolunteerFactory().user
    shift = ShiftFactory(opportunity=opportunity)
    signup, _ = signups.sign_up(owner, shift.pk)
    past = ShiftFactory(opportunity=opportunity)
    done, _ = signups.sign_up(owner, past.pk)
    past.starts_at = timezone.now() - datetime.timedelta(days=1)
    past.ends_at = past.starts_at + datetime.timedelta(hours=2)
    past.save()
    users = {
        "anonymous": None,
        "owner": owner,
        "other_volunteer": VolunteerFactory().user,
        "staff": staff_of(opportunity.organization),
        "other_staff": staff_of(OpportunityFactory().organization),
        "moderator": moderator(),
    }
    ids = {"opportunity": opportunity.pk, "shift": shift.pk, "signup": signup.pk, "done": done.pk}
    return users, ids


def client_for(user, api=True):
    client = APIClient()
    if user:
        client.force_login(user)
    return client


# (method, url, payload, expected: anonymous, owner, other volunteer, staff, other staff, moderator)
API_MATRIX = [
    ("get", "/api/v1/me/", None, [401, 200, 200, 200, 200, 200]),
    ("get", "/api/v1/me/data/", None, [401, 200, 200, 200, 200, 200]),
    ("get", "/api/v1/me/matches/", None, [401, 200, 200, 400, 400, 400]),
    ("get", "/api/v1/me/sign-ups/", None, [401, 200, 200, 200, 200, 200]),
    # staff and moderators have no volunteer profile, so no consent to share their contacts
    ("post", "/api/v1/shifts/{shift}/sign-up/", None, [401, 200, 201, 400, 400, 400]),
    ("post", "/api/v1/sign-ups/{signup}/cancel/", None, [401, 200, 404, 404, 404, 404]),
    (
        "post",
        "/api/v1/sign-ups/{done}/attendance/",
        {"attended": True},
        [401, 404, 404, 200, 404, 404],
    ),
    ("get", "/api/v1/opportunities/{opportunity}/roster/", None, [401, 404, 404, 200, 404, 404]),
    ("delete", "/api/v1/me/", {"password": "wrong"}, [401, 400, 400, 400, 400, 400]),
]
PAGE_MATRIX = [
    ("get", "/me/", None, [302, 200, 200, 200, 200, 200]),
    ("get", "/me/profile/", None, [302, 200, 200, 200, 200, 200]),
    ("get", "/me/for-you/", None, [302, 200, 200, 200, 200, 200]),
    ("get", "/me/searches/", None, [302, 200, 200, 200, 200, 200]),
    ("get", "/me/privacy/", None, [302, 200, 200, 200, 200, 200]),
    ("get", "/me/data.json", None, [302, 200, 200, 200, 200, 200]),
    ("post", "/shifts/{shift}/sign-up/", None, [302, 302, 302, 302, 302, 302]),
    ("post", "/sign-ups/{signup}/cancel/", None, [302, 302, 404, 404, 404, 404]),
    ("get", "/manage/opportunities/{opportunity}/roster/", None, [302, 404, 404, 200, 404, 404]),
    (
        "post",
        "/manage/opportunities/{opportunity}/roster/",
        {"sign_up": "{done}", "attended": "yes"},
        [302, 404, 404, 302, 404, 404],
    ),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("method", "url", "payload", "expected"),
    API_MATRIX + PAGE_MATRIX,
    ids=[f"{m} {u}" for m, u, _, _ in API_MATRIX + PAGE_MATRIX],
)
def test_permissions(world, role, method, url, payload, expected):
    users, ids = world
    client = client_for(users[role])
    if payload:
        payload = {k: v.format(**ids) if isinstance(v, str) else v for k, v in payload.items()}
    kwargs = {"format": "json"} if url.startswith("/api/") else {}
    got = getattr(client, method)(url.format(**ids), payload, **kwargs).status_code
    assert got == expected[ROLES.index(role)], f"{role} {method} {url}: {got}"


def test_what_each_role_sees_is_their_own(world):
    users, _ids = world
    for role in ROLES[1:]:
        answer = client_for(users[role]).get("/api/v1/me/data/").json()
        assert answer["account"]["email"] == users[role].email
        mine = [
            s["id"] for s in client_for(users[role]).get("/api/v1/me/sign-ups/").json()["results"]
        ]
        expected = set(SignUp.objects.filter(volunteer=users[role]).values_list("pk", flat=True))
        assert set(mine) == expected


def test_a_volunteers_home_is_served_to_no_one_else(world):
    users, ids = world
    owner = users["owner"]
    profile = owner.volunteer
    privacy.set_home(profile, Point(99.01234, 18.81234, srid=4326), "exact")
    profile.save()
    x, y = f"{profile.home.x:.3f}", f"{profile.home.y:.3f}"  # 99.015, 18.815
    urls = [
        "/api/v1/opportunities/",
        f"/api/v1/opportunities/{ids['opportunity']}/",
        f"/api/v1/opportunities/{ids['opportunity']}/roster/",
        "/api/v1/opportunities/?near=18.79,98.98&radius_km=20",
        f"/opportunities/{ids['opportunity']}/",
        f"/manage/opportunities/{ids['opportunity']}/roster/",
        "/exports/opportunities.geojson",
        "/exports/opportunities.csv",
        "/tiles/opportunities/14/12888/7533.geojson",
        "/me/",
        "/me/data.json",
    ]
    for role in ROLES:
        if role == "owner":
            continue
        client = client_for(users[role])
        for url in urls:
            response = client.get(url)
            body = b"".join(response.streaming_content) if response.streaming else response.content
            text = body.decode()
            assert x not in text and y not in text, f"{role} {url} shows the home"
            assert "home" not in text.lower() or url.startswith("/me/"), f"{role} {url}"
    roster = (
        client_for(users["staff"]).get(f"/api/v1/opportunities/{ids['opportunity']}/roster/").json()
    )
    entry = roster["shifts"][0]["confirmed"][0]
    assert set(entry) == {"sign_up", "name", "email", "phone", "attended", "hours"}  # no distance
    own = client_for(owner).get("/api/v1/me/").json()
    assert own["profile"]["home"] == {"lat": profile.home.y, "lon": profile.home.x}  # to them only
