"""The periodic jobs: one schedule (common/schedule.py) that ./dev run and docker-compose.yml's
scheduler both run. Every job runs, a failing one stops none of the others, hourly and daily
jobs run at start-up and then once per period, and closing the past opportunities (one bulk
UPDATE, no model signals) tells the map."""

import datetime
import io
import logging
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command
from django.db.models import Sum
from django.utils import timezone

from common import schedule
from common.schedule import DAY, HOUR, MINUTE, Job
from needs.models import AreaHelp
from opportunities import tiles
from opportunities.models import MapCell, Opportunity, Status
from tests.factories import OpportunityFactory, ShiftFactory, VolunteerFactory
from volunteers import signups
from volunteers.models import SignUp

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent


def days_ago(n):
    return timezone.localdate() - datetime.timedelta(days=n)


def ended_yesterday():
    return OpportunityFactory(starts_on=days_ago(3), ends_on=days_ago(1))


def on_the_map():
    """Opportunities counted by the map's cluster pyramid."""
    cells = MapCell.objects.filter(layer="opportunities", z=0)
    return cells.aggregate(n=Sum("n"))["n"] or 0


def run_schedule_once():
    out = io.StringIO()
    call_command("run_schedule", "--once", stdout=out)
    return out.getvalue()


def test_run_schedule_once_runs_every_job(caplog):
    ended = ended_yesterday()
    shift = ShiftFactory(starts_at=timezone.now() + datetime.timedelta(hours=5))
    signups.sign_up(VolunteerFactory().user, shift.pk)
    with caplog.at_level(logging.DEBUG, logger="common.schedule"):
        output = run_schedule_once()
    ran = [r.getMessage() for r in caplog.records if r.name == "common.schedule"]
    assert ran == [f"running {job}" for job in schedule.SCHEDULE]
    ended.refresh_from_db()
    assert ended.status == Status.CLOSED
    assert on_the_map() == 1  # closed before the same run rebuilt the pyramid without it
    assert AreaHelp.objects.exists()  # the coverage
    assert SignUp.objects.get().reminded_at is not None
    assert "1 past opportunities closed" in output and "opportunities: " in output
    assert "pyramid" in output  # brought up to date
    assert "weekly digests" in output and "monthly digests" in output
    assert output.count("e-mails sent") == 2  # the notices now, and the daily ones


def test_a_failing_job_stops_none_of_the_others(monkeypatch, caplog):
    ended = ended_yesterday()
    monkeypatch.setattr(schedule, "SCHEDULE", [Job("no_such_command"), *schedule.SCHEDULE])
    with pytest.raises(CommandError, match="failed: no_such_command"):
        run_schedule_once()
    assert "scheduled job 'no_such_command' failed" in caplog.text
    ended.refresh_from_db()
    assert ended.status == Status.CLOSED
    assert on_the_map() == 0


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


def test_hourly_and_daily_jobs_run_at_start_up_then_once_per_period():
    timetable = schedule.Timetable(schedule.SCHEDULE)
    ran = {minute: {str(job) for job in timetable.due(minute)} for minute in range(2 * DAY + 1)}
    assert ran[0] == {str(job) for job in schedule.SCHEDULE}
    assert ran[1] == {str(job) for job in schedule.SCHEDULE if job.every == MINUTE}
    assert [m for m in ran if "send_reminders" in ran[m]] == list(range(0, 2 * DAY + 1, HOUR))
    assert [m for m in ran if "send_digests" in ran[m]] == [0, DAY, 2 * DAY]
    assert [m for m in ran if "send_notifications --daily" in ran[m]] == [0, DAY, 2 * DAY]


def test_a_slow_minute_delays_a_job_but_never_skips_it():
    timetable = schedule.Timetable(schedule.SCHEDULE)
    timetable.due(0)
    timetable.due(59)
    assert "send_reminders" in {str(job) for job in timetable.due(61)}  # minute 60 never came


def test_dev_and_compose_run_the_one_schedule():
    """Neither names a periodic command of its own: the two cannot drift apart again."""
    periodic = {job.command for job in schedule.SCHEDULE}
    dev = (ROOT / "dev").read_text()
    assert "manage.py run_schedule" in dev
    assert {name for name in periodic if name in dev} == set()
    compose = (ROOT / "docker-compose.yml").read_text()
    scheduler = yaml.safe_load(compose)["services"]["scheduler"]
    assert scheduler["command"] == ["python", "manage.py", "run_schedule"]
    assert {name for name in periodic if name in compose} == set()
