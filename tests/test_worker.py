"""A real Celery worker (the one ./dev run and compose start), on the test database and the
tests' Redis broker, sending e-mail to a real SMTP server: it runs a task and records its
outcome for staff, and a worker killed with SIGKILL in the middle of the digests, then started
again, sends each volunteer's digest once (one in flight at the kill may go twice, with the same
Message-ID, which mail clients show as one message). And the same worker with RabbitMQ as its
broker, named by CELERY_BROKER_URL alone."""

import asyncio
import datetime
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings
from django.contrib.gis.geos import Point
from django.utils import timezone
from django_celery_results.models import TaskResult

from mapsite.celery import app
from places import package_gazetteer
from places.models import Area
from tests.factories import OpportunityFactory, VolunteerFactory
from tests.servers import free_port
from volunteers.models import Digest, SavedSearch

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
ROOT = Path(__file__).resolve().parent.parent
BANGKOK = Point(100.5018, 13.7563, srid=4326)

if settings.CELERY_TASK_ALWAYS_EAGER:
    pytest.skip(
        "no broker: CACHE_URL is locmem:// and CELERY_BROKER_URL unset", allow_module_level=True
    )


class Inbox:
    """An SMTP server's handler that keeps each message's Message-ID, taking `pause` seconds a
    message as a real server over a network does."""

    def __init__(self, pause=0.0):
        self.message_ids = []
        self.pause = pause

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(self.pause)
        for line in envelope.content.decode("utf-8", "replace").splitlines():
            if line.lower().startswith("message-id:"):
                self.message_ids.append(line.split(":", 1)[1].strip())
                break
        return "250 OK"


@pytest.fixture
def smtp():
    inbox = Inbox()
    with socket.socket() as probe:  # a free port
        probe.bind(("127.0.0.1", 0))
        inbox.port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port)
    controller.start()
    yield inbox
    controller.stop()


def database_url_of_the_tests():
    """DATABASE_URL with the test database's name in place of the real one's."""
    url = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(url._replace(path="/" + settings.DATABASES["default"]["NAME"]))


class Worker:
    def __init__(self, tmp_path, smtp_port, **settings):
        self.log = tmp_path / f"worker-{time.monotonic_ns()}.log"
        env = {
            **os.environ,
            "DATABASE_URL": database_url_of_the_tests(),
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp_port),
            "EMAIL_USE_TLS": "0",
            # A task of a dead worker is handed out again after 3 s, looked for every second.
            "CELERY_VISIBILITY_TIMEOUT": "3",
            "CELERY_RESTORE_INTERVAL": "1",
            "DIGEST_CLAIM_LEASE_SECONDS": "2",
            **settings,
        }
        command = [sys.executable, "-m", "celery", "-A", "mapsite", "worker", "--concurrency", "1"]
        command += ["--without-gossip", "--without-mingle", "--loglevel", "INFO"]
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_for(lambda: "ready." in self.log.read_text(), 60, self.log)

    def kill(self):
        """SIGKILL to the worker and its pool: no goodbye, as when a machine dies."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()


def wait_for(condition, seconds, log=None):
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(
                f"not within {seconds} s" + (f":\n{log.read_text()}" if log else "")
            )
        time.sleep(0.05)


@pytest.fixture
def celery_worker(tmp_path, smtp):
    """Start a worker (call again to start another); all are stopped afterwards."""
    if not Area.objects.exists():  # an earlier transactional test emptied the database
        package_gazetteer.load()
    app.control.purge()
    started = []

    def start(**settings):
        started.append(Worker(tmp_path, smtp.port, **settings))
        return started[-1]

    yield start
    for worker in started:
        worker.stop()
    app.control.purge()


def test_a_worker_runs_a_task_and_its_outcome_and_duration_are_kept(celery_worker):
    from opportunities.tasks import refresh_map

    celery_worker()
    OpportunityFactory()
    result = refresh_map.delay()
    assert result.get(timeout=30).startswith("0 past opportunities closed; opportunities: ")
    kept = TaskResult.objects.get(task_id=result.id)
    assert (kept.status, kept.task_name) == ("SUCCESS", "opportunities.refresh_map")
    assert kept.date_started <= kept.date_done


def test_a_worker_killed_mid_digests_and_started_again_sends_each_one_once(celery_worker, smtp):
    from volunteers.tasks import send_digests

    OpportunityFactory(
        location=BANGKOK, area_id=None, published_at=timezone.now() - datetime.timedelta(days=1)
    )
    volunteers = 150
    for _ in range(volunteers):
        profile = VolunteerFactory(consents=["account", "matching", "digest"])
        SavedSearch.objects.create(user=profile.user, name="ใกล้บ้าน", centre=BANGKOK, radius_km=10)
    smtp.pause = 0.02  # 150 e-mails: 3 s or more

    first = celery_worker()
    send_digests.delay("weekly")
    wait_for(lambda: len(smtp.message_ids) >= 30, 60, first.log)
    first.kill()
    at_kill = len(smtp.message_ids)
    assert at_kill < volunteers, "the run ended before the kill: nothing was tested"
    assert Digest.objects.filter(status="claimed").exists()  # taken, not yet sent

    second = celery_worker()  # the killed task comes back to it after the visibility timeout
    wait_for(lambda: len(set(smtp.message_ids)) >= volunteers, 90, second.log)
    time.sleep(1)  # nothing more comes
    ids = smtp.message_ids
    assert len(set(ids)) == volunteers
    assert len(ids) - len(set(ids)) <= 1, f"{len(ids) - len(set(ids))} sent twice"
    assert set(Digest.objects.values_list("status", flat=True)) == {"sent"}
    assert Digest.objects.count() == volunteers


RABBITMQ = Path("/usr/lib/rabbitmq/bin/rabbitmq-server")


@pytest.fixture
def rabbitmq(tmp_path):
    """A RabbitMQ node of the test's own (Debian's rabbitmq-server, its files in tmp_path, on
    free ports); yields its amqp:// URL."""
    if not RABBITMQ.exists():
        pytest.skip("RabbitMQ is not installed (apt-get install rabbitmq-server)")
    folder = tmp_path / "rabbitmq"
    folder.mkdir()
    (folder / "enabled_plugins").write_text("[].")
    port = free_port()
    env = {
        **os.environ,
        "HOME": str(folder),  # its Erlang cookie
        "RABBITMQ_NODENAME": f"volmap{port}@localhost",
        "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
        "RABBITMQ_NODE_PORT": str(port),
        "RABBITMQ_DIST_PORT": str(free_port()),
        "RABBITMQ_MNESIA_BASE": str(folder / "mnesia"),
        "RABBITMQ_LOG_BASE": str(folder / "log"),
        "RABBITMQ_ENABLED_PLUGINS_FILE": str(folder / "enabled_plugins"),
        "RABBITMQ_PLUGINS_EXPAND_DIR": str(folder / "plugins"),
        "RABBITMQ_CONFIG_FILE": str(folder / "rabbitmq"),
    }
    log = folder / "server.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [str(RABBITMQ)], env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )

    def listening():
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return True
        except OSError:
            return False

    try:
        wait_for(listening, 60, log)
        yield f"amqp://guest:guest@127.0.0.1:{port}//"
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(30)


def test_rabbitmq_works_through_the_broker_url_alone(celery_worker, rabbitmq):
    from celery import Celery

    celery_worker(CELERY_BROKER_URL=rabbitmq)
    sender = Celery("sender", broker=rabbitmq)  # a web process configured the same way
    task_id = sender.send_task("opportunities.refresh_map").id
    wait_for(lambda: TaskResult.objects.filter(task_id=task_id, status="SUCCESS").exists(), 30)
    assert TaskResult.objects.get(task_id=task_id).task_name == "opportunities.refresh_map"
