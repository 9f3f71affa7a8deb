"""Radius search tells the truth: distances agree with an independent geodesic computation
(geographiclib, on the WGS 84 ellipsoid) anywhere in Thailand, across UTM zones 47 and 48, and the
edge of the radius is exact."""

import pytest
from django.contrib.gis.geos import Point
from django.db import connection
from geographiclib.geodesic import Geodesic

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
    assert third["next"] is None and first["previous"] is None and third["previous"]
