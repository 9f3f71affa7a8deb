"""Read replicas, with a real streaming replica: `pg_basebackup -R` of the project-local cluster
into a folder of its own, started on another port, and the site under gunicorn with
DATABASE_REPLICA_URLS naming it. Replay is paused on the replica to make it visibly behind: what
a page then shows says which database answered.

Anonymous public pages come from the replica; a volunteer who signs up sees their own sign-up at
once (logged in, then logged out and pinned to the primary for DATABASE_PRIMARY_PIN_SECONDS); a
replica further behind than DATABASE_REPLICA_MAX_LAG_SECONDS, or one that is down, is skipped."""

import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection

from places import package_gazetteer
from places.models import Area
from tests.factories import PASSWORD, ShiftFactory, VolunteerFactory
from tests.servers import Server, free_port
from tests.test_foundation import subprocess_env

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def as_cluster_owner(command):
    """The project-local cluster belongs to `postgres` when the tests run as root (./dev)."""
    return ["runuser", "-u", "postgres", "--", *command] if os.getuid() == 0 else command


@pytest.fixture(scope="module")
def replica(django_db_setup, django_db_blocker):
    """A streaming replica of the cluster that holds the test database."""
    database = connection.settings_dict
    host = database["HOST"] or os.environ.get("PGHOST", "")
    port = str(database["PORT"] or os.environ.get("PGPORT", "5432"))
    if not host.startswith("/"):
        pytest.skip(
            "a replica is made of the project-local cluster (./dev test); DATABASE_URL names another server"
        )
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        bindir = Path(f"/usr/lib/postgresql/{int(cursor.fetchone()[0]) // 10000}/bin")
    folder = Path(tempfile.mkdtemp(prefix="volmap-replica-"))  # pytest's folders are root's only
    if os.getuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    data = folder / "data"
    subprocess.run(
        as_cluster_owner(
            [
                str(bindir / "pg_basebackup"),
                "-h",
                host,
                "-p",
                port,
                "-U",
                database["USER"],
                "-D",
                str(data),
                "-R",
                "-X",
                "stream",
                "-c",
                "fast",
            ]
        ),
        check=True,
        capture_output=True,
        timeout=600,
    )
    replica_port = free_port()
    settings = (
        f"\nport = {replica_port}\nunix_socket_directories = '{folder}'\nlisten_addresses = ''\n"
    )
    subprocess.run(
        as_cluster_owner(["sh", "-c", f"cat >> {data}/postgresql.conf"]),
        input=settings.encode(),
        check=True,
    )
    subprocess.run(
        as_cluster_owner(
            [
                str(bindir / "pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(folder / "log"),
                "-w",
                "-t",
                "60",
                "start",
            ]
        ),
        check=True,
        capture_output=True,
    )
    try:
        yield Replica(folder, replica_port, database, host, port)
    finally:
        subprocess.run(
            as_cluster_owner([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
            capture_output=True,
        )
        shutil.rmtree(folder, ignore_errors=True)


class Replica:
    def __init__(self, folder, port, database, primary_host, primary_port):
        self.url = (
            f"postgis://{database['USER']}@{quote(str(folder), safe='')}:{port}/{database['NAME']}"
        )
        self.connect = lambda: psycopg.connect(
            host=str(folder),
            port=port,
            user=database["USER"],
            dbname=database["NAME"],
            autocommit=True,
        )
        self.primary = lambda: psycopg.connect(
            host=primary_host,
            port=primary_port,
            user=database["USER"],
            dbname=database["NAME"],
            autocommit=True,
        )

    def caught_up(self):
        with self.primary() as primary, self.connect() as replica:
            wanted = primary.execute("SELECT pg_current_wal_lsn()").fetchone()[0]
            deadline = time.monotonic() + 30
            while (
                replica.execute(
                    "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [wanted]
                ).fetchone()[0]
                is not True
            ):
                assert time.monotonic() < deadline, "the replica did not catch up"
                time.sleep(0.05)

    def pause(self):
        self.caught_up()
        with self.connect() as replica:
            replica.execute("SELECT pg_wal_replay_pause()")

    def resume(self):
        with self.connect() as replica:
            replica.execute("SELECT pg_wal_replay_resume()")
        self.caught_up()


@pytest.fixture
def site(replica):
    """The site under gunicorn with the replica; started by the test with its own settings."""
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
