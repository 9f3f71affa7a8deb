"""Notices' e-mails outside the request (scheduled in mapsite/celery.py)."""

from celery import shared_task

from notifications import sending


@shared_task(name="notifications.send_due")
def send_due() -> str:
    return f"{sending.send_due()} e-mails sent"


@shared_task(name="notifications.send_daily")
def send_daily() -> str:
    return f"{sending.send_daily()} e-mails sent"
