"""Map tiles: the cluster pyramid counts what is published, per cause too; filters apply as in
the API; points up close with a cap; bad tiles and filters are errors; the server-side cache
answers until published data changes; ETag and Cache-Control."""

import json

import pytest
from django.contrib.gis.geos import Point
from django.core.management import call_command

from common import precompressed
from opportunities import tiles
from opportunities.models import MapCell, Status
from tests.factories import OpportunityFactory, OrganizationFactory

pytestmark = pytest.mark.django_db
BANGKOK = Point(100.5018, 13.7563, srid=4326)


def tile_of(point, z):
    import math

    n = 2**z
    x = int((point.x + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(point.y))) / math.pi) / 2 * n)
    return z, x, y


def get(client, point, z, layer="opportunities", headers=None, **params):
    z, x, y = tile_of(point, z)
    return client.get(f"/tiles/{layer}/{z}/{x}/{y}.geojson", params, headers=headers)


def total(response):
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/geo+json"
    features = json.loads(response.content)["features"]
    return sum(f["properties"].get("count", 1) for f in features), features


def test_pyramid_counts_every_published_point_at_every_zoom(client):
    west, south, east, north = tiles.tile_polygon(*tile_of(BANGKOK, 13)).extent  # all in one tile
    for i in range(30):
        spot = Point(
            west + (east - west) * (i + 0.5) / 30,
            south + (north - south) * ((i % 5) + 0.5) / 5,
            srid=4326,
        )
        OpportunityFactory(
            location=spot, causes=["animals"] if i % 3 == 0 else ["health", "elderly"]
        )
    OpportunityFactory(status=Status.PENDING, location=BANGKOK)
    tiles.rebuild_pyramid("opportunities")
    for z in range(0, 14):
        count, features = total(get(client, BANGKOK, z))
        assert count == 30, f"zoom {z}"
        assert all(f["properties"]["cluster"] for f in features)
        assert len(features) <= 64
    assert total(get(client, BANGKOK, 8, cause="animals"))[0] == 10
    assert total(get(client, BANGKOK, 8, cause="elderly"))[0] == 20
    assert MapCell.objects.filter(z=0).get().n == 30


def test_other_filters_cluster_live(client):
    OpportunityFactory(location=BANGKOK, skills=["teaching"], family_friendly=True)
    OpportunityFactory(location=BANGKOK, skills=["cooking"])
    tiles.rebuild_pyramid("opportunities")
    assert total(get(client, BANGKOK, 6, skill="teaching"))[0] == 1
    assert total(get(client, BANGKOK, 6, family_friendly="true"))[0] == 1
    assert total(get(client, BANGKOK, 6, cause="animals,environment"))[0] == 2


def test_the_map_shows_what_the_words_find(client):
    OpportunityFactory(location=BANGKOK, title="ดับไฟป่า")
    OpportunityFactory(location=BANGKOK, title="สอนหนังสือ")
    tiles.rebuild_pyramid("opportunities")
    assert total(get(client, BANGKOK, 6))[0] == 2
    assert total(get(client, BANGKOK, 6, q="สอนหนังสือ"))[0] == 1
    assert total(get(client, BANGKOK, 6, q="ไฟ"))[0] == 1  # too short for the index: the newest
    _, [point] = total(get(client, BANGKOK, 15, q="ไฟ"))
    assert point["properties"]["title"] == "ดับไฟป่า"


def test_close_up_tiles_carry_the_points(client):
    o = OpportunityFactory(location=BANGKOK, title="สอนหนังสือ", precision="tambon")
    _, [feature] = total(get(client, BANGKOK, 15))
    assert feature["geometry"]["coordinates"] == [100.5018, 13.7563]
    properties = feature["properties"]
    assert (properties["id"], properties["title"], properties["precision"]) == (
        o.pk,
        "สอนหนังสือ",
        "tambon",
    )
    assert properties["organization"] == o.organization.name_th


def test_a_crowded_close_up_tile_is_clustered_not_endless(client, monkeypatch):
    monkeypatch.setattr(tiles, "MAX_POINTS", 5)
    for i in range(8):
        OpportunityFactory(location=Point(100.5018 + i * 0.0001, 13.7563, srid=4326))
    count, features = total(get(client, BANGKOK, 15))
    assert count == 8 and len(features) < 8 and features[0]["properties"]["cluster"]


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/tiles/opportunities/3/8/0.geojson", 404),
        ("/tiles/opportunities/21/0/0.geojson", 404),
        ("/tiles/nothing/1/0/0.geojson", 404),
        ("/tiles/opportunities/5/24/14.geojson?cause=unicorns", 400),
        ("/tiles/opportunities/5/24/14.geojson?date_from=soon", 400),
    ],
)
def test_bad_tiles(client, path, status):
    assert client.get(path).status_code == status


def test_cache_etag_and_invalidation(client, django_capture_on_commit_callbacks):
    OpportunityFactory(location=BANGKOK)
    tiles.rebuild_pyramid("opportunities")
    first = get(client, BANGKOK, 15)
    assert first["Cache-Control"] == "public, max-age=60" and first["ETag"]
    assert get(client, BANGKOK, 15, headers={"If-None-Match": first["ETag"]}).status_code == 304
    # A new published opportunity: the close-up tile shows it at once, the clusters after refresh_map.
    with django_capture_on_commit_callbacks(execute=True):
        OpportunityFactory(location=BANGKOK)
    assert get(client, BANGKOK, 15, headers={"If-None-Match": first["ETag"]}).status_code == 200
    assert total(get(client, BANGKOK, 15))[0] == 2
    assert total(get(client, BANGKOK, 6))[0] == 1
    with django_capture_on_commit_callbacks(execute=True):
        call_command("refresh_map", verbosity=0)
    assert total(get(client, BANGKOK, 6))[0] == 2
    out = __import__("io").StringIO()
    call_command("refresh_map", stdout=out)
    assert "current" in out.getvalue()


def test_a_process_keeps_the_tiles_it_served_until_the_data_changes(
    client, monkeypatch, django_capture_on_commit_callbacks
):
    from django.conf import settings
    from django.core.cache import cache

    if not settings.CACHES["default"]["BACKEND"].endswith("RedisCache"):
        pytest.skip("without a shared cache (CACHE_URL=locmem://) no tile is kept twice")
    built = []
    build_tile = tiles.build_tile
    monkeypatch.setattr(tiles, "build_tile", lambda *a: built.append(a) or build_tile(*a))
    OpportunityFactory(location=BANGKOK)
    first = get(client, BANGKOK, 15)
    cache.clear()  # the shared cache lost it (Redis restarted): this process still has it
    again = get(client, BANGKOK, 15)
    assert len(built) == 1 and again["ETag"] == first["ETag"]
    with django_capture_on_commit_callbacks(execute=True):
        OpportunityFactory(location=BANGKOK)
    assert total(get(client, BANGKOK, 15))[0] == 2 and len(built) == 2


def test_the_data_version_is_read_once_a_second_and_a_change_here_at_once(monkeypatch):
    from django.db import connection

    now = [1000.0]
    monkeypatch.setattr(tiles.time, "monotonic", lambda: now[0])
    tiles._versions.clear()
    version = tiles.data_version()
    with connection.cursor() as cursor:  # another process's change
        cursor.execute("SELECT nextval('map_version')")
    now[0] += tiles.VERSION_SECONDS - 0.01
    assert tiles.data_version() == version  # remembered: not read again yet
    now[0] += 0.01
    assert tiles.data_version() == version + 1  # a second on: read again
    tiles.data_changed()  # this process's own change: seen at once
    assert tiles.data_version() == version + 2


def test_organization_tiles(client):
    OrganizationFactory(location=BANGKOK)
    OrganizationFactory(location=BANGKOK, status="pending")
    tiles.rebuild_pyramid("organizations")
    assert total(get(client, BANGKOK, 5, layer="organizations"))[0] == 1
    assert total(get(client, BANGKOK, 16, layer="organizations"))[0] == 1


def test_tile_queries_are_bounded(client, django_assert_max_num_queries):
    OpportunityFactory(location=BANGKOK)
    tiles.rebuild_pyramid("opportunities")
    tiles._versions.clear()
    with django_assert_max_num_queries(2):  # the data version, the tile
        get(client, BANGKOK, 7)
    with django_assert_max_num_queries(1):
        get(client, BANGKOK, 7)  # the server-side cache, under the data version


def test_province_outlines_follow_the_boundaries(client, open_data):
    from places.official import import_boundaries

    # Without official boundaries, the simplified outlines shipped with the package.
    shipped = json.loads(client.get("/tiles/provinces.geojson").content)
    assert len(shipped["features"]) == 77 and "CC BY-IGO" in shipped["attribution"]
    import_boundaries(open_data("boundaries/th_adm1.geojson"), commit=True)
    outlines = json.loads(client.get("/tiles/provinces.geojson").content)
    assert len(outlines["features"]) == 77 and "attribution" not in outlines
    assert {f["properties"]["name_en"] for f in outlines["features"]} >= {"Bangkok", "Chiang Mai"}


def pyramid(layer):
    """Every cell of the layer's pyramid (sums rounded: they are added up in another order)."""
    return sorted(
        (c.z, c.x, c.y, c.n, round(c.sum_lon, 6), round(c.sum_lat, 6), tuple(c.causes))
        for c in MapCell.objects.filter(layer=layer)
    )


def test_refresh_redoes_only_what_changed_and_agrees_with_a_whole_rebuild():
    from django.utils import timezone

    from opportunities.models import Opportunity
    from places.models import Organization

    chiang_mai, hat_yai = Point(98.9853, 18.7883, srid=4326), Point(100.4747, 7.0086, srid=4326)
    kept, withdrawn = OrganizationFactory(location=BANGKOK), OrganizationFactory(location=hat_yai)
    moved = OpportunityFactory(organization=kept, location=BANGKOK, causes=["education"])
    recaused = OpportunityFactory(organization=kept, location=BANGKOK, causes=["education"])
    closed = OpportunityFactory(organization=kept, location=chiang_mai)
    deleted = OpportunityFactory(organization=kept, location=chiang_mai)
    OpportunityFactory.create_batch(3, organization=withdrawn, location=hat_yai)
    untouched = OpportunityFactory(organization=kept, location=Point(102.8, 16.4, srid=4326))
    for layer in tiles.LAYERS:
        tiles.rebuild_pyramid(layer)
    before = pyramid("opportunities")
    out = __import__("io").StringIO()
    call_command("refresh_map", stdout=out)
    assert out.getvalue() == "opportunities: current\norganizations: current\n"
    assert pyramid("opportunities") == before

    # Every way a point's place on the map changes: saves, a queryset UPDATE (no signals), a bulk
    # insert, a delete, a status, causes, and an organization withdrawn with its opportunities.
    OpportunityFactory(organization=kept, location=chiang_mai, causes=["animals"])
    moved.location = chiang_mai
    moved.save()
    Opportunity.objects.filter(pk=recaused.pk).update(causes=["health", "elderly"])
    closed.close()
    deleted.delete()
    Opportunity.objects.bulk_create(
        [
            Opportunity(
                organization=kept,
                title=f"ใหม่ {i}",
                location=Point(100.5 + i / 100, 13.7, srid=4326),
                status=Status.PUBLISHED,
                published_at=timezone.now(),
                causes=["arts"],
            )
            for i in range(5)
        ]
    )
    Organization.objects.filter(pk=withdrawn.pk).update(status="pending")
    Opportunity.objects.filter(pk=untouched.pk).update(title="ชื่อใหม่")  # not on the pyramid

    call_command("refresh_map", stdout=out)
    assert "pyramid updated" in out.getvalue() and "rebuilt" not in out.getvalue()
    refreshed = {layer: pyramid(layer) for layer in tiles.LAYERS}
    assert refreshed["opportunities"] != before
    for layer in tiles.LAYERS:
        tiles.rebuild_pyramid(layer)
        assert refreshed[layer] == pyramid(layer), layer
    top = MapCell.objects.get(layer="opportunities", z=0)
    assert top.n == Opportunity.objects.published().exclude(location=None).count() == 9


def test_tiles_are_served_compressed_as_cached(client):
    import gzip

    for _ in range(40):
        OpportunityFactory(location=BANGKOK)
    plain = get(client, BANGKOK, 15)
    assert "Content-Encoding" not in plain and len(plain.content) > precompressed.GZIP_FROM
    packed = get(client, BANGKOK, 15, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert packed["Content-Encoding"] == "gzip" and "Accept-Encoding" in packed["Vary"]
    assert gzip.decompress(packed.content) == plain.content
    assert len(packed.content) < len(plain.content) / 3
    assert packed["ETag"] != plain["ETag"]
    again = get(
        client, BANGKOK, 15, headers={"Accept-Encoding": "gzip", "If-None-Match": packed["ETag"]}
    )
    assert again.status_code == 304 and "Content-Encoding" not in again
    assert get(client, BANGKOK, 15, headers={"If-None-Match": packed["ETag"]}).status_code == 200
