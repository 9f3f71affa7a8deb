"""The work outside the request, as Celery tasks (mapsite/celery.py): each periodic task does
its work when run, beat runs each one every period (the minute ones, the hourly reminders, the
daily digests), and ./dev run and compose start the same worker with beat. Closing the past
opportunities (one bulk UPDATE, no model signals) tells the map. A real worker runs them in
tests/test_worker.py."""

import datetime
import io
from pathlib import Path

import pytest
import yaml
from django.core import mail
from django.core.management import call_command
from django.db.models import Sum
from django.utils import timezone

from mapsite.celery import HOUR, MINUTE, MORNING, app
from needs.models import AreaHelp
from opportunities import tiles
from opportunities.models import MapCell, Opportunity, Status
from tests.factories import OpportunityFactory, ShiftFactory, VolunteerFactory
from volunteers import signups
from volunteers.models import Digest, SavedSearch, SignUp

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent
SCHEDULE = app.conf.beat_schedule
app.loader.import_default_modules()  # the apps' tasks.py, as a worker imports them


def days_ago(n):
    return timezone.localdate() - datetime.timedelta(days=n)


def ended_yesterday():
    return OpportunityFactory(starts_on=days_ago(3), ends_on=days_ago(1))


def on_the_map():
    """Opportunities counted by the map's cluster pyramid."""
    cells = MapCell.objects.filter(layer="opportunities", z=0)
    return cells.aggregate(n=Sum("n"))["n"] or 0


def run_every_entry():
    """Each beat entry's task, run here as a worker would run it."""
    results = {}
    for name, entry in SCHEDULE.items():
        result = app.tasks[entry["task"]].apply(kwargs=entry["kwargs"])
        assert result.successful(), (name, result.traceback)
        results[name] = result.get()
    return results


def test_every_periodic_task_does_its_work():
    ended = ended_yesterday()
    shift = ShiftFactory(starts_at=timezone.now() + datetime.timedelta(hours=5))
    signups.sign_up(VolunteerFactory().user, shift.pk)
    subscriber = VolunteerFactory(consents=["account", "matching", "digest"]).user
    SavedSearch.objects.create(
        user=subscriber, name="ใกล้บ้าน", centre=shift.opportunity.location, radius_km=10
    )
    results = run_every_entry()
    ended.refresh_from_db()
    assert ended.status == Status.CLOSED
    assert on_the_map() == 1  # closed before the same task rebuilt the pyramid without it
    assert results["refresh the map"].startswith("1 past opportunities closed; opportunities: ")
    assert AreaHelp.objects.exists()  # the coverage
    assert SignUp.objects.get().reminded_at is not None
    assert results["send reminders"] == "1 reminders sent"
    assert results["send digests"] == "weekly: 1 chunks; monthly: 0 chunks"
    assert Digest.objects.get(user=subscriber).status == "sent"
    assert [m.to for m in mail.outbox if "digest" in m.extra_headers.get("Message-ID", "")] == [
        [subscriber.email]
    ]


def test_beat_runs_the_minute_tasks_every_minute_and_the_others_at_set_times():
    schedules = {name: entry["schedule"] for name, entry in SCHEDULE.items()}
    assert {name for name, s in schedules.items() if s == MINUTE} == {
        "refresh the map",
        "refresh coverage",
        "send notifications",
    }
    assert schedules["send reminders"] == HOUR
    assert schedules["send digests"] == schedules["send daily notifications"] == MORNING
    # On Bangkok time: the digests go at 7:00 there, whatever the server's clock says.
    assert app.conf.timezone == "Asia/Bangkok" and MORNING.hour == {7}
    assert all(entry["task"] in app.tasks for entry in SCHEDULE.values())
    # A run left waiting for a period (three hours for the morning ones) is dropped.
    expiry = {name: entry["options"]["expires"] for name, entry in SCHEDULE.items()}
    assert expiry == {
        "refresh the map": 60,
        "refresh coverage": 60,
        "send notifications": 60,
        "send reminders": 3600,
        "send digests": 3 * 3600,
        "send daily notifications": 3 * 3600,
    }


def test_closing_past_opportunities_tells_the_map(monkeypatch, django_capture_on_commit_callbacks):
    OpportunityFactory(starts_on=days_ago(3), ends_on=timezone.localdate())
    call_command("refresh_map", verbosity=0)
    assert on_the_map() == 1
    # Midnight passes: the date changes, no data does, so the map still counts it.
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    monkeypatch.setattr(timezone, "localdate", lambda *args: tomorrow)
    out = io.StringIO()
    call_command("refresh_map", stdout=out)
    assert on_the_map() == 1 and "opportunities: current" in out.getvalue()
    version = tiles.data_version()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("close_past_opportunities", stdout=out)
    assert "1 past opportunities closed\n" in out.getvalue()
    assert tiles.data_version() > version
    call_command("refresh_map", verbosity=0)
    assert on_the_map() == 0


def test_nothing_to_close_leaves_the_map_alone():
    OpportunityFactory()
    call_command("refresh_map", verbosity=0)
    version = tiles.data_version()
    assert Opportunity.objects.close_past() == 0
    out = io.StringIO()
    call_command("refresh_map", stdout=out)
    assert out.getvalue() == "opportunities: current\norganizations: current\n"
    assert tiles.data_version() == version


def test_dev_and_compose_run_one_worker_with_beat():
    """Neither runs a periodic command of its own: the schedule is beat's, in one place."""
    dev = (ROOT / "dev").read_text()
    assert 'celery" -A mapsite worker --beat' in dev
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    assert compose["worker"]["command"][:5] == ["celery", "-A", "mapsite", "worker", "--beat"]
    assert "scheduler" not in compose
    commands = {"refresh_map", "refresh_coverage", "send_digests", "send_reminders"}
    assert not {name for name in commands if name in dev}


def test_staff_see_each_tasks_outcome_and_duration_in_thai(client, admin_user):
    from django_celery_results.models import TaskResult

    started = timezone.now()
    TaskResult.objects.create(task_id="a1", task_name="volunteers.send_digest_chunk")
    TaskResult.objects.update(  # date_done is the time of saving
        status="SUCCESS", date_started=started, date_done=started + datetime.timedelta(seconds=12.5)
    )
    client.force_login(admin_user)
    page = client.get("/admin/django_celery_results/taskresult/").content.decode()
    assert "ผลของงานเบื้องหลัง" in page and "ใช้เวลา (วินาที)" in page
    assert "volunteers.send_digest_chunk" in page and "12.50" in page
