"""Radius search tells the truth: distances agree with an independent geodesic computation
(geographiclib, on the WGS 84 ellipsoid) anywhere in Thailand, across UTM zones 47 and 48, and the
edge of the radius is exact."""

import datetime

import pytest
from django.contrib.gis.geos import Point
from django.db import connection
from django.utils import timezone
from geographiclib.geodesic import Geodesic

import opportunities.api
from common import pages
from opportunities.models import Opportunity
from tests.factories import OpportunityFactory

pytestmark = pytest.mark.django_db
WGS84 = Geodesic.WGS84

CENTRES = {
    "Mae Hong Son (west, zone 47)": (19.30, 97.97),
    "Bangkok (zone 47)": (13.7563, 100.5018),
    "on the 102°E zone line": (15.0, 102.0),
    "Ubon Ratchathani (east, zone 48)": (15.2287, 104.8564),
    "Hat Yai (south)": (7.0086, 100.4747),
}


def point_at(lat, lon, km, bearing):
    spot = WGS84.Direct(lat, lon, bearing, km * 1000)
    return Point(spot["lon2"], spot["lat2"], srid=4326)


def near(client, lat, lon, radius, **extra):
    response = client.get(
        "/api/v1/opportunities/", {"near": f"{lat},{lon}", "radius_km": radius, **extra}
    )
    assert response.status_code == 200, response.content
    return response.json()["features"]


@pytest.mark.parametrize("centre", CENTRES)
def test_the_edge_of_the_radius_is_exact(client, centre):
    lat, lon = CENTRES[centre]
    inside = [
        OpportunityFactory(location=point_at(lat, lon, 4.99, bearing))
        for bearing in (0, 90, 180, 270, 45)
    ]
    outside = [
        OpportunityFactory(location=point_at(lat, lon, 5.01, bearing))
        for bearing in (0, 90, 180, 270, 45)
    ]
    found = {f["id"] for f in near(client, lat, lon, 5)}
    assert found == {o.pk for o in inside}
    assert not found & {o.pk for o in outside}


@pytest.mark.parametrize("centre", CENTRES)
def test_distances_agree_with_geodesics(client, centre):
    lat, lon = CENTRES[centre]
    inland = WGS84.Inverse(lat, lon, 15.0, 101.0)["azi1"]  # towards the middle of Thailand
    for km, turn in [(0.3, -60), (2.5, 40), (9, -20), (24, 60), (48, 10), (140, 0)]:
        OpportunityFactory(location=point_at(lat, lon, km, inland + turn))
    features = near(client, lat, lon, 150, page_size=100)
    assert len(features) == 6
    distances = [f["properties"]["distance_km"] for f in features]
    assert distances == sorted(distances), "not nearest first"
    for feature in features:
        flon, flat = feature["geometry"]["coordinates"]
        truth = WGS84.Inverse(lat, lon, flat, flon)["s12"] / 1000
        assert feature["properties"]["distance_km"] == pytest.approx(truth, rel=0.005, abs=0.001)


def test_radius_query_uses_the_spatial_index():
    organization = OpportunityFactory().organization
    with connection.cursor() as cursor:  # enough rows, spread over Thailand, for a real plan
        cursor.execute(
            """
            INSERT INTO opportunities_opportunity
                (organization_id, title, title_en, description, causes, skills, languages, mode,
                 schedule, use_organization_location, volunteers_needed, family_friendly,
                 accessibility_notes, status, rejection_reason, address, precision,
                 location, created_at, updated_at)
            SELECT %s, 'x', '', '', '{}', '{}', '{}', 'onsite', 'ongoing', false, 1, false, '',
                   'published', '', '', 'exact',
                   ST_SetSRID(ST_MakePoint(98 + random() * 7, 6 + random() * 14), 4326)::geography,
                   now(), now()
            FROM generate_series(1, 20000)
            """,
            [organization.pk],
        )
        cursor.execute("ANALYZE opportunities_opportunity")
    centre = Point(100.5018, 13.7563, srid=4326)
    plan = Opportunity.objects.published().within_km(centre, 10)[:50].explain()
    assert "opportunities_opportunity_location" in plan, plan


def test_radius_pages_go_on_by_distance(client):
    lat, lon = CENTRES["Bangkok (zone 47)"]
    for i in range(7):
        OpportunityFactory(location=point_at(lat, lon, 1 + i, 30 * i))
    first = client.get(
        "/api/v1/opportunities/", {"near": f"{lat},{lon}", "radius_km": 20, "page_size": 3}
    ).json()
    second = client.get(first["next"]).json()
    third = client.get(second["next"]).json()
    distances = [
        f["properties"]["distance_km"] for page in (first, second, third) for f in page["features"]
    ]
    assert len(distances) == 7 and distances == sorted(distances)
    assert third["next"] is None and first["first"] is None
    assert client.get(third["first"]).json()["features"] == first["features"]


def test_radius_results_follow_the_distance_they_report_across_pages(client):
    """The GiST index orders by distance on the sphere; the distance reported is on the spheroid.
    North-south the sphere overstates a distance by about 0.5 % here, east-west it understates it
    a little, so nearest-first on the index would list these out of order."""
    lat, lon = CENTRES["Bangkok (zone 47)"]
    north = [OpportunityFactory(location=point_at(lat, lon, km, 0)) for km in (10.0, 10.02)]
    east = [OpportunityFactory(location=point_at(lat, lon, km, 90)) for km in (10.01, 10.03)]
    for near_index in (north, east):  # the sphere's order: east 10.01, 10.03, north 10.0, 10.02
        assert len(near_index) == 2
    listed, response = (
        [],
        client.get(
            "/api/v1/opportunities/", {"near": f"{lat},{lon}", "radius_km": 20, "page_size": 1}
        ).json(),
    )
    while True:
        listed += response["features"]
        if not response["next"]:
            break
        response = client.get(response["next"]).json()
    ids = [f["id"] for f in listed]
    assert ids == [north[0].pk, east[0].pk, north[1].pk, east[1].pk]
    distances = [f["properties"]["distance_km"] for f in listed]
    assert distances == sorted(distances) == [10.0, 10.01, 10.02, 10.03]


def test_rows_at_the_same_spot_are_each_listed_once_across_pages(client):
    lat, lon = CENTRES["Hat Yai (south)"]
    spot = point_at(lat, lon, 3, 45)
    together = [OpportunityFactory(location=spot) for _ in range(7)]
    nearer = OpportunityFactory(location=point_at(lat, lon, 1, 200))
    farther = OpportunityFactory(location=point_at(lat, lon, 5, 300))
    listed, response = (
        [],
        client.get(
            "/api/v1/opportunities/", {"near": f"{lat},{lon}", "radius_km": 10, "page_size": 2}
        ).json(),
    )
    while True:
        listed += [f["id"] for f in response["features"]]
        if not response["next"]:
            break
        response = client.get(response["next"]).json()
    assert listed == [nearer.pk, *sorted(o.pk for o in together), farther.pk]


def test_radius_results_stop_at_the_most_listed_and_say_so(client, monkeypatch):
    monkeypatch.setattr("common.pages.MAX_NEAREST", 4)
    lat, lon = CENTRES["Bangkok (zone 47)"]
    for km in range(1, 8):
        OpportunityFactory(location=point_at(lat, lon, km, 10))
    query = {"near": f"{lat},{lon}", "radius_km": 20, "page_size": 3}
    first = client.get("/api/v1/opportunities/", query, HTTP_ACCEPT_LANGUAGE="th").json()
    second = client.get(first["next"], HTTP_ACCEPT_LANGUAGE="th").json()
    assert len(first["features"]) == 3 and "stopped" not in first
    assert len(second["features"]) == 1 and second["next"] is None
    assert second["stopped"]["rows"] == 4
    assert "ใกล้ที่สุด" in second["stopped"]["detail"]


def test_a_search_compiled_once_answers_around_every_point_as_if_compiled_for_it(
    client, monkeypatch
):
    """A radius search's SQL is kept per set of filters and run around the next point
    (common.pages.NearestStatement): its answers are those of a search compiled afresh."""
    monkeypatch.setattr("opportunities.api.NEAREST", pages.Statements(size=8))
    kept = opportunities.api.NEAREST.kept
    for name, (lat, lon) in CENTRES.items():
        for km, bearing in [(1, 0), (4, 120), (9, 240)]:
            OpportunityFactory(
                location=point_at(lat, lon, km, bearing),
                causes=["education"] if "zone" in name else ["elderly"],
                mode="hybrid" if km == 4 else "onsite",
            )
    searches = [{}, {"cause": "education"}, {"cause": "education", "mode": "onsite"}]
    answers = {}
    for filters in searches:
        for lat, lon in CENTRES.values():
            answers[str(filters), lat] = near(client, lat, lon, 20, **filters)
    assert len(kept) == len(searches)  # one statement per set of filters, every centre through it
    assert {f["properties"]["distance_km"] for f in answers["{}", 13.7563]} == {1.0, 4.0, 9.0}
    assert answers["{'cause': 'education'}", 7.0086] == []
    assert len(answers["{'cause': 'education', 'mode': 'onsite'}", 19.30]) == 2
    for filters in searches:
        for lat, lon in CENTRES.values():
            kept.clear()
            assert near(client, lat, lon, 20, **filters) == answers[str(filters), lat]


def test_a_kept_search_is_not_run_on_another_day(client, monkeypatch):
    """What the public sees changes at midnight (an opportunity ending yesterday is past): the
    day is part of what a kept search was compiled for."""
    lat, lon = CENTRES["Bangkok (zone 47)"]
    today = timezone.localdate()
    ending = OpportunityFactory(location=point_at(lat, lon, 2, 0), starts_on=today, ends_on=today)
    assert [f["id"] for f in near(client, lat, lon, 10)] == [ending.pk]
    monkeypatch.setattr(timezone, "localdate", lambda: today + datetime.timedelta(days=1))
    assert near(client, lat, lon, 10) == []


def test_searches_that_read_the_database_as_they_are_built_are_not_kept(client, monkeypatch):
    """Words (organization names are looked up as the search is built), an area or an
    organization are filtered afresh each time; only plain filters' values are kept."""
    monkeypatch.setattr("opportunities.api.NEAREST", pages.Statements(size=8))
    lat, lon = CENTRES["Bangkok (zone 47)"]
    found = OpportunityFactory(location=point_at(lat, lon, 2, 0), title="ปลูกป่าชายเลน")
    for extra in ({"q": "ชายเลน"}, {"area": "10"}, {"organization": found.organization_id}):
        near(client, lat, lon, 10, **extra)
    assert opportunities.api.NEAREST.kept == {}
    assert [f["id"] for f in near(client, lat, lon, 10, q="ชายเลน")] == [found.pk]


def test_a_process_keeps_only_so_many_searches_the_oldest_forgotten_first():
    kept = pages.Statements(size=2)
    made = []
    for key in ["a", "b", "a", "c", "a"]:
        kept.get(key, lambda key=key: made.append(key) or key.upper())
    assert made == ["a", "b", "c", "a"]  # "a" kept the second time, forgotten for "c"
    assert kept.kept == {"c": "C", "a": "A"}


def test_a_kept_search_is_planned_once_on_its_connection(client):
    """The kept statement is prepared (settings: DATABASE_PREPARE_THRESHOLD) with its limit
    written in, so that PostgreSQL keeps one plan for every point rather than planning each
    search."""
    lat, lon = CENTRES["Bangkok (zone 47)"]
    OpportunityFactory(location=point_at(lat, lon, 2, 0))
    for km in range(1, 13):
        assert len(near(client, lat + km / 200, lon, 10)) == 1
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements"
            " WHERE statement LIKE '%%<->%%'"
        )
        plans = cursor.fetchall()
    # Prepared at its 6th run; PostgreSQL plans its first 5 runs anew, then keeps one plan.
    assert len(plans) == 1 and plans[0][0] == 2, plans
