"""Read replicas, with a real streaming replica: `pg_basebackup -R` of the project-local cluster
into a folder of its own, started on another port, and the site under its web server with
DATABASE_REPLICA_URLS naming it. Replay is paused on the replica to make it visibly behind: what
a page then shows says which database answered.

Anonymous public pages come from the replica; a volunteer who signs up sees their own sign-up at
once (logged in, then logged out and pinned to the primary for DATABASE_PRIMARY_PIN_SECONDS); a
replica further behind than DATABASE_REPLICA_MAX_LAG_SECONDS, or one that is down, is skipped."""

import os
import re
import time

import pytest
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from places import package_gazetteer
from places.models import Area
from tests.factories import PASSWORD, ShiftFactory, VolunteerFactory
from tests.servers import Server, StreamingReplica, free_port
from tests.test_foundation import subprocess_env

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
REPLICA = "replica_1"


@pytest.fixture(scope="module")
def replica(django_db_setup, django_db_blocker):
    """A streaming replica of the cluster that holds the test database."""
    database = connection.settings_dict
    host = database["HOST"] or os.environ.get("PGHOST", "")
    if not host.startswith("/"):
        pytest.skip(
            "a replica is made of the project-local cluster (./dev test); "
            "DATABASE_URL names another server"
        )
    replica = StreamingReplica(database, host, database["PORT"] or os.environ.get("PGPORT", "5432"))
    # In this process too, as a database the tests may name; a mirror of the test database, so
    # that nothing tries to create or empty it.
    config = {
        **database,
        "HOST": str(replica.folder),
        "PORT": str(replica.port),
        "TEST": {**database["TEST"], "MIRROR": "default"},
    }
    connections.settings[REPLICA] = settings.DATABASES[REPLICA] = config  # (one dict, in fact)
    try:
        yield replica
    finally:
        connections[REPLICA].close()
        del connections[REPLICA]
        connections.settings.pop(REPLICA, None)
        settings.DATABASES.pop(REPLICA, None)
        replica.stop()


@pytest.fixture
def site(replica):
    """The site under its web server with the replica; started by the test with its own settings."""
    if not Area.objects.exists():  # an earlier transactional test emptied the database
        package_gazetteer.load()
    database = connection.settings_dict
    servers = []

    def start(**settings):
        environ = {
            "DEBUG": "1",
            "ALLOWED_HOSTS": "volunteer.example.org",
            "DATABASE_URL": f"postgis://{database['USER']}@/{database['NAME']}",
            "DATABASE_REPLICA_URLS": replica.url,
        }
        servers.append(Server(subprocess_env(**{**environ, **settings})))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()
    replica.resume()


def places_left(visitor, page):
    status, _, body = visitor.get(page)
    assert status == 200, body[:300]
    return re.search(r'<span class="places">([^<]+)</span>', body)[1]


def a_shift_and_a_volunteer():
    shift = ShiftFactory(capacity=5)
    person = VolunteerFactory().user
    hasher = PBKDF2PasswordHasher()  # the server's; the tests' own is a fast one
    person.password = hasher.encode(PASSWORD, hasher.salt())
    person.username = person.email  # as registration makes it
    person.save()
    return shift, person


def test_the_public_reads_the_replica_and_a_volunteer_sees_their_own_sign_up_at_once(replica, site):
    shift, person = a_shift_and_a_volunteer()
    page = f"/opportunities/{shift.opportunity_id}/"
    replica.pause()  # from here on the replica shows the opportunity as it is now
    server = site(DATABASE_PRIMARY_PIN_SECONDS="4", DATABASE_REPLICA_MAX_LAG_SECONDS="300")
    public, volunteer = server.visitor(), server.visitor()
    assert places_left(public, page) == "ว่าง 5 จาก 5 ที่"

    status, _, body = volunteer.post_form(
        "/accounts/login/", fields={"username": person.email, "password": PASSWORD}
    )
    assert status == 200 and volunteer.cookie("sessionid"), body  # logged in
    volunteer.post_form(page, f"/shifts/{shift.pk}/sign-up/")
    assert places_left(volunteer, page) == "ว่าง 4 จาก 5 ที่"  # logged in: the primary
    assert places_left(public, page) == "ว่าง 5 จาก 5 ที่"  # at the same moment: the replica

    volunteer.post_form(page, "/accounts/logout/")
    assert volunteer.cookie("sessionid") is None and volunteer.cookie("volmap_primary") == "1"
    assert places_left(volunteer, page) == "ว่าง 4 จาก 5 ที่"  # just wrote: still the primary
    time.sleep(4.5)  # the cookie's four seconds pass
    assert volunteer.cookie("volmap_primary") is None
    assert places_left(volunteer, page) == "ว่าง 5 จาก 5 ที่"  # a member of the public again

    replica.resume()
    assert places_left(public, page) == "ว่าง 4 จาก 5 ที่"


def test_a_replica_too_far_behind_or_down_is_skipped(replica, site):
    shift, _ = a_shift_and_a_volunteer()
    page = f"/opportunities/{shift.opportunity_id}/"
    replica.pause()
    shift.capacity = 6
    shift.save()  # on the primary only
    server = site(DATABASE_REPLICA_MAX_LAG_SECONDS="1")
    time.sleep(1.5)  # the replica's last replayed change is now older than a second
    assert places_left(server.visitor(), page) == "ว่าง 6 จาก 6 ที่"

    down = site(DATABASE_REPLICA_URLS=f"postgis://nobody@127.0.0.1:{free_port()}/nothing")
    assert places_left(down.visitor(), page) == "ว่าง 6 จาก 6 ที่"
    assert "replica replica_1 unreachable" in down.errors()


@pytest.mark.django_db(transaction=True, databases=["default", REPLICA])
def test_public_pages_tiles_answers_and_exports_ask_the_primary_nothing(replica, client):
    """In this process, with the replica as a second database: every query of the public's
    requests, the ORM's and the raw SQL's, goes to it."""
    from opportunities.tasks import refresh_map
    from tests.factories import OrganizationFactory

    if not Area.objects.exists():
        package_gazetteer.load()
    shift, _ = a_shift_and_a_volunteer()
    opportunity, organization = shift.opportunity, OrganizationFactory()
    refresh_map()
    replica.caught_up()
    lon, lat = opportunity.location.coords
    pages = [
        "/",
        "/opportunities/",
        f"/opportunities/?near={lat},{lon}&radius_km=10",
        f"/opportunities/{opportunity.pk}/",
        "/organizations/",
        f"/organizations/{organization.pk}/",
        "/tiles/opportunities/5/25/14.geojson",
        "/tiles/organizations/5/25/14.geojson",
        "/api/v1/opportunities/",
        f"/api/v1/opportunities/?near={lat},{lon}&radius_km=25",
        "/api/v1/organizations/?q=มูลนิธิ",
        f"/widgets/opportunities/?organization={opportunity.organization_id}",
        "/exports/opportunities.csv",
    ]
    with (
        CaptureQueriesContext(connections["default"]) as primary,
        CaptureQueriesContext(connections[REPLICA]) as read,
    ):
        for page in pages:
            response = client.get(page)
            assert response.status_code == 200, page
            if response.streaming:
                b"".join(response.streaming_content)
    assert [q["sql"] for q in primary.captured_queries] == []
    assert len(read.captured_queries) > len(pages)
