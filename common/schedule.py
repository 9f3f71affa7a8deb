"""The periodic jobs: one list that `./dev run` and docker-compose.yml's scheduler both run
(`manage.py run_schedule`), so the two cannot drift apart again.

The jobs are the apps' management commands, named and called through call_command: the kernel
imports no app.
"""

import logging
import time
from dataclasses import dataclass

from django.core.management import call_command
from django.db import close_old_connections

log = logging.getLogger(__name__)

MINUTE, HOUR, DAY = 1, 60, 24 * 60  # periods, in minutes


@dataclass(frozen=True)
class Job:
    command: str
    args: tuple[str, ...] = ()
    every: int = MINUTE

    def __str__(self):
        return " ".join([self.command, *self.args])


# In this order within a minute: the past opportunities are closed first, so that the same
# minute's refresh_map already leaves them out. Every job is safe to re-run (each e-mail goes
# once per period), so a restart that runs the hourly and daily jobs again sends nothing twice.
SCHEDULE = [
    Job("close_past_opportunities"),
    Job("refresh_map"),
    Job("refresh_coverage"),
    Job("send_notifications"),
    Job("send_reminders", every=HOUR),
    Job("send_digests", every=DAY),
    Job("send_notifications", ("--daily",), every=DAY),
]


def run(jobs, stdout=None):
    """Run the jobs in turn and return those that failed: a failure is logged and the next job
    still runs, as each job was its own process in the shell loops this replaces."""
    failed = []
    for job in jobs:
        log.debug("running %s", job)
        try:
            call_command(job.command, *job.args, stdout=stdout)
        except Exception:
            log.exception("scheduled job %r failed", str(job))
            failed.append(job)
    return failed


class Timetable:
    """When each job is next due, in minutes since start-up: every job at once, then each one
    its period after it last ran. A slow minute delays the jobs after it; it never skips one."""

    def __init__(self, jobs):
        self.next_due = dict.fromkeys(jobs, 0)

    def due(self, minute):
        jobs = [job for job, at in self.next_due.items() if at <= minute]
        for job in jobs:
            self.next_due[job] = minute + job.every
        return jobs


def run_forever(stdout=None):
    """Each minute since start-up (on the monotonic clock, which a clock change does not move),
    run the jobs that are due."""
    started = time.monotonic()
    timetable = Timetable(SCHEDULE)
    while True:
        minute = int((time.monotonic() - started) // 60)
        close_old_connections()  # as before a request: after a database restart, a new one
        run(timetable.due(minute), stdout)
        time.sleep(60 - (time.monotonic() - started) % 60)
