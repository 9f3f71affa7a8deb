"""Query budgets: every list and detail of the API, the exports and the main pages answer in a
number of queries that does not grow with the rows they show.

Each endpoint is asked with 5 rows of everything and again with 15 (organizations, opportunities
with shifts and co-organizers, sign-ups, saved searches, needs, incidents, coverage areas): the
answer shows more rows, the count of queries is the same, and at most the budget, the count
measured when the budget was written. An N+1 (a query per row) fails here at once; a budget can
be raised when a page honestly needs one more query, never because it loops."""

import csv
import io
import json
import re
from types import SimpleNamespace
from typing import NamedTuple
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import URLResolver, get_resolver, resolve

from geocoding import service
from needs import coverage
from places.models import Area, Membership
from tests.conftest import api
from tests.factories import (
    CHIANG_MAI,
    IncidentFactory,
    NeedFactory,
    OpportunityFactory,
    OrganizationFactory,
    ShiftFactory,
    VolunteerFactory,
    coordinator,
    staff_of,
)
from volunteers import signups
from volunteers.models import SavedSearch

pytestmark = pytest.mark.django_db

STEPS = (5, 15)  # rows of everything: the same count of queries for both


class World:
    """One organization (its page, its calendar, its staff) and one opportunity (its page, its
    shifts, its roster) that grow, with more organizations, opportunities, needs and incidents
    around them; a volunteer whose sign-ups, suggestions and saved searches grow; a coordinator."""

    def __init__(self):
        self.rows = 0
        self.organization = OrganizationFactory()
        self.owner = staff_of(self.organization, Membership.Role.OWNER)
        self.opportunity = OpportunityFactory(organization=self.organization)
        self.volunteer = VolunteerFactory(
            home=CHIANG_MAI, home_precision="grid", travel_radius_km=50
        ).user
        self.coordinator = coordinator()
        self.incident = IncidentFactory()
        self.need = NeedFactory(incident=self.incident)
        # Far from every opportunity (Mae Hong Son): uncovered, one coverage area each.
        self.far_tambons = list(
            Area.objects.filter(level="tambon", code__startswith="58").order_by("code")
        )

    def grow_to(self, rows):
        for i in range(self.rows, rows):
            organization = OrganizationFactory()
            Membership.objects.create(
                user=self.owner, organization=organization, role=Membership.Role.EDITOR
            )
            opportunity = OpportunityFactory(organization=organization)
            opportunity.co_organizers.add(self.organization)
            self.opportunity.co_organizers.add(organization)
            first, _second = ShiftFactory.create_batch(2, opportunity=opportunity)
            signups.sign_up(self.volunteer, first.pk)
            OpportunityFactory(organization=self.organization)
            shift = ShiftFactory(opportunity=self.opportunity)
            signups.sign_up(VolunteerFactory().user, shift.pk)
            signups.sign_up(self.volunteer, shift.pk)
            SavedSearch.objects.create(user=self.volunteer, name=f"ค้นหา {i}", centre=CHIANG_MAI)
            incident = IncidentFactory()
            incident.opportunities.add(opportunity)
            tambon = self.far_tambons[i]
            NeedFactory(
                incident=incident,
                location=tambon.point,
                area_id=tambon.code,
                reported_by=self.owner,
                reporting_organization=organization,
                assigned_opportunity=opportunity,
                assigned_organization=organization,
            )
        self.rows = rows
        coverage.refresh(full=True)


# --- who asks ---------------------------------------------------------------------------------


def fresh(user):
    """The user as a new request loads it: no permission cache left by an earlier request."""
    return User.objects.get(pk=user.pk)


def through_api(role=None):
    return lambda world: api(role and fresh(getattr(world, role)))


def browser(role=None):
    def client(world):
        client = Client()
        if role:
            client.force_login(fresh(getattr(world, role)))
        return client

    return client


# --- how many rows an answer shows ------------------------------------------------------------


def features(body):
    return len(json.loads(body)["features"])


def results(body):
    return len(json.loads(body)["results"])


def csv_rows(body):
    return len(list(csv.reader(io.StringIO(body.decode())))) - 1


def events(body):
    return body.count(b"BEGIN:VEVENT")


def opportunity_links(body):
    return len(re.findall(rb'href="/opportunities/\d+/"', body))


def shifts_listed(body):
    return re.search(rb'<ul class="shifts">(.*?)</ul>', body, re.S)[1].count(b"<li")


def shifts_and_co_organizers(body):
    properties = json.loads(body)["properties"]
    return len(properties["shifts"]) + len(properties["co_organizers"])


def roster(body):
    return sum(len(s["confirmed"]) + len(s["waitlist"]) for s in json.loads(body)["shifts"])


def my_data(body):
    data = json.loads(body)
    return len(data["sign_ups"]) + len(data["saved_searches"])


class Endpoint(NamedTuple):
    name: str
    who: object  # world -> client
    url: str  # formatted with the world as w
    budget: int  # queries at most, as measured
    shown: object = None  # body -> rows shown; None where nothing grows (one row, a place)


OPPORTUNITY = "{w.opportunity.pk}"
ORGANIZATION = "{w.organization.pk}"

ENDPOINTS = [
    # The API: organizations and opportunities (public; `mine` for their staff).
    Endpoint("organizations", through_api(), "/api/v1/organizations/", 1, features),
    Endpoint(
        "organizations mine", through_api("owner"), "/api/v1/organizations/?mine=1", 1, features
    ),
    Endpoint("organization", through_api(), f"/api/v1/organizations/{ORGANIZATION}/", 1),
    Endpoint(
        "organization to its owner",
        through_api("owner"),
        f"/api/v1/organizations/{ORGANIZATION}/",
        3,
    ),
    Endpoint("opportunities", through_api(), "/api/v1/opportunities/", 1, features),
    Endpoint(
        "opportunities near", through_api(), "/api/v1/opportunities/?near=18.79,98.98", 1, features
    ),
    Endpoint(
        "opportunities mine", through_api("owner"), "/api/v1/opportunities/?mine=1", 1, features
    ),
    Endpoint(
        "opportunity",
        through_api(),
        f"/api/v1/opportunities/{OPPORTUNITY}/",
        3,
        shifts_and_co_organizers,
    ),
    Endpoint(
        "opportunity to its owner",
        through_api("owner"),
        f"/api/v1/opportunities/{OPPORTUNITY}/",
        5,
        shifts_and_co_organizers,
    ),
    Endpoint(
        "roster", through_api("owner"), f"/api/v1/opportunities/{OPPORTUNITY}/roster/", 6, roster
    ),
    # The API: needs, incidents and coverage.
    Endpoint("needs", through_api("coordinator"), "/api/v1/needs/", 3, features),
    Endpoint("needs to their reporter", through_api("owner"), "/api/v1/needs/", 3, features),
    Endpoint("need", through_api("coordinator"), "/api/v1/needs/{w.need.pk}/", 3),
    # Uncovered needs: +2, the needs it cannot let off and those of them with no help near.
    Endpoint(
        "uncovered needs", through_api("coordinator"), "/api/v1/needs/uncovered/", 5, features
    ),
    Endpoint("incidents", through_api(), "/api/v1/incidents/", 1, features),
    Endpoint(
        "incidents to a coordinator", through_api("coordinator"), "/api/v1/incidents/", 3, features
    ),
    Endpoint("incident", through_api(), "/api/v1/incidents/{w.incident.pk}/", 1),
    Endpoint("coverage", through_api("coordinator"), "/api/v1/coverage/?level=tambon", 4, features),
    Endpoint(
        "coverage with boundaries",
        through_api("coordinator"),
        "/api/v1/coverage/?level=tambon&geometry=boundary",
        6,
        features,
    ),
    # The API: geocoding (the gazetteer is in memory; its version is checked, see below).
    Endpoint("geocode", through_api(), "/api/v1/geocode/?q=ต.ศรีภูมิ อ.เมือง จ.เชียงใหม่", 1),
    Endpoint("reverse", through_api(), "/api/v1/reverse/?lat=18.7883&lon=98.9853", 3),
    # The API: the volunteer's own.
    Endpoint("me", through_api("volunteer"), "/api/v1/me/", 6),
    Endpoint("my data", through_api("volunteer"), "/api/v1/me/data/", 6, my_data),
    Endpoint("my matches", through_api("volunteer"), "/api/v1/me/matches/", 3, results),
    Endpoint("my sign-ups", through_api("volunteer"), "/api/v1/me/sign-ups/", 2, results),
    # Exports.
    Endpoint("opportunities.csv", browser(), "/exports/opportunities.csv", 3, csv_rows),
    Endpoint("opportunities.geojson", browser(), "/exports/opportunities.geojson", 2, features),
    Endpoint("organizations.csv", browser(), "/exports/organizations.csv", 1, csv_rows),
    Endpoint("organizations.geojson", browser(), "/exports/organizations.geojson", 1, features),
    Endpoint(
        "opportunity calendar",
        browser(),
        f"/exports/opportunities/{OPPORTUNITY}/calendar.ics",
        2,
        events,
    ),
    Endpoint(
        "organization calendar",
        browser(),
        f"/exports/organizations/{ORGANIZATION}/calendar.ics",
        3,
        events,
    ),
    Endpoint("coverage.csv", browser("coordinator"), "/exports/coverage.csv", 7, csv_rows),
    Endpoint("coverage.geojson", browser("coordinator"), "/exports/coverage.geojson", 7, features),
    Endpoint(
        "uncovered-needs.csv", browser("coordinator"), "/exports/uncovered-needs.csv", 8, csv_rows
    ),
    Endpoint(
        "uncovered-needs.geojson",
        browser("coordinator"),
        "/exports/uncovered-needs.geojson",
        8,
        features,
    ),
    # Pages.
    Endpoint("home page", browser(), "/", 1),
    Endpoint("list page", browser(), "/opportunities/", 1, opportunity_links),
    Endpoint("list page near", browser(), "/opportunities/?near=18.79,98.98", 1, opportunity_links),
    Endpoint("opportunity page", browser(), f"/opportunities/{OPPORTUNITY}/", 3, shifts_listed),
    Endpoint(
        "opportunity page to a volunteer",
        browser("volunteer"),
        f"/opportunities/{OPPORTUNITY}/",
        9,
        shifts_listed,
    ),
    Endpoint(
        "organization page", browser(), f"/organizations/{ORGANIZATION}/", 4, opportunity_links
    ),
]


def body_of(response):
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def ask(endpoint, world, counting):
    """(queries, rows shown) of one answer, counted by `counting` (a context manager)."""
    url = endpoint.url.format(w=world)
    # What a running process has read once already (spatial reference systems, the gazetteer);
    # then a new client, a user just loaded, and nothing of this answer in the shared cache.
    body_of(endpoint.who(world).get(url))
    client = endpoint.who(world)
    cache.clear()
    with counting as captured:
        response = client.get(url)
        body = body_of(response)
    assert response.status_code == 200, body[:500]
    return len(captured), endpoint.shown(body) if endpoint.shown else None


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The world with 5 rows, every endpoint counted there, then grown to 15 rows for the tests.
    Built once for the module (it takes seconds) in a transaction rolled back at the end; each
    test runs in a savepoint inside it."""
    with (
        django_db_blocker.unblock(),
        pytest.MonkeyPatch.context() as patch,
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
    ):
        # Every request checks whether the in-memory gazetteer is current (once in 30 s in a
        # process): the budgets hold for the request that does.
        patch.setattr(service, "RELOAD_CHECK_SECONDS", 0)
        outer = transaction.atomic()
        outer.__enter__()
        try:
            world = World()
            world.grow_to(STEPS[0])
            world.few = {
                e.name: ask(e, world, CaptureQueriesContext(connection)) for e in ENDPOINTS
            }
            world.grow_to(STEPS[1])
            yield world
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[e.name for e in ENDPOINTS])
def test_queries_do_not_grow_with_the_rows(world, endpoint, django_assert_max_num_queries):
    few_queries, few_rows = world.few[endpoint.name]
    queries, rows = ask(endpoint, world, django_assert_max_num_queries(endpoint.budget))
    assert queries == few_queries, (
        f"{few_queries} queries with {STEPS[0]} rows, {queries} with more"
    )
    if endpoint.shown:
        assert few_rows < rows, f"the answer should show more rows: {few_rows}, then {rows}"


# The API's index and its description: no rows of ours.
NOT_ROWS = {"api-root", "schema", "api-docs"}


def routes(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from routes(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern), pattern


def reads(view) -> bool:
    if (actions := getattr(view, "actions", None)) is not None:  # a viewset's route
        return "get" in actions
    cls = getattr(view, "cls", None) or getattr(view, "view_class", None)
    return cls is None or hasattr(cls, "get")  # a function view answers GET here


def test_every_read_of_the_api_and_every_export_has_a_budget():
    readable = {
        pattern.name
        for route, pattern in routes(get_resolver().url_patterns)
        if route.startswith(("api/v1/", "exports/")) and reads(pattern.callback)
    }
    some = SimpleNamespace(pk=1)
    any_world = SimpleNamespace(opportunity=some, organization=some, need=some, incident=some)
    budgeted = {resolve(urlsplit(e.url.format(w=any_world)).path).url_name for e in ENDPOINTS}
    assert readable - NOT_ROWS - budgeted == set(), "give these a budget above"
