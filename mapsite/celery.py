"""The Celery application: the work outside the request, each task in its app's tasks.py, and
the periodic ones on Celery beat (`celery -A mapsite worker --beat`, as ./dev run and the compose
`worker` service start it). Settings are the CELERY_* names in mapsite/settings.py."""

import datetime
import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mapsite.settings")

app = Celery("mapsite")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

MINUTE = datetime.timedelta(minutes=1)
HOUR = crontab(minute=0)  # on the hour, Bangkok time (CELERY_TIMEZONE)
MORNING = crontab(minute=0, hour=7)  # the digests and daily summaries arrive with breakfast


def _every(schedule, task, expires, **kwargs):
    # A run still queued when the next is due is dropped: the next one does the same work.
    return {"task": task, "schedule": schedule, "kwargs": kwargs, "options": {"expires": expires}}


# The minute tasks run a minute after beat starts, then every minute; the others at fixed times
# of day, so that neither a restart nor a lost schedule file (a new container) moves or skips them.
app.conf.beat_schedule = {
    "refresh the map": _every(MINUTE, "opportunities.refresh_map", 60),
    "refresh coverage": _every(MINUTE, "needs.refresh_coverage", 60),
    "send notifications": _every(MINUTE, "notifications.send_due", 60),
    "send reminders": _every(HOUR, "volunteers.send_reminders", 3600),
    "send digests": _every(MORNING, "volunteers.send_digests", 3 * 3600),
    "send daily notifications": _every(MORNING, "notifications.send_daily", 3 * 3600),
}
