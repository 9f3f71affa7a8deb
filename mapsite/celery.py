"""The Celery application: the work outside the request, each task in its app's tasks.py, and
the periodic ones on Celery beat (`celery -A mapsite worker --beat`, as ./dev run and the compose
`worker` service start it). Settings are the CELERY_* names in mapsite/settings.py."""

import datetime
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mapsite.settings")

app = Celery("mapsite")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

MINUTE = datetime.timedelta(minutes=1)
HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)


def _every(period, task, **kwargs):
    # A run still queued when the next is due is dropped: the next one does the same work.
    return {
        "task": task,
        "schedule": period,
        "kwargs": kwargs,
        "options": {"expires": period.total_seconds()},
    }


# Beat starts each entry at once, then every period after it.
app.conf.beat_schedule = {
    "refresh the map": _every(MINUTE, "opportunities.refresh_map"),
    "refresh coverage": _every(MINUTE, "needs.refresh_coverage"),
    "send notifications": _every(MINUTE, "notifications.send_due"),
    "send reminders": _every(HOUR, "volunteers.send_reminders"),
    "send digests": _every(DAY, "volunteers.send_digests"),
    "send daily notifications": _every(DAY, "notifications.send_daily"),
}
