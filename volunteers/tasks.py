"""Volunteers' e-mails outside the request (scheduled in mapsite/celery.py)."""

import datetime
import smtplib

from celery import group, shared_task

from volunteers import digests, mail, signups
from volunteers.models import Frequency


@shared_task(
    name="volunteers.shift_email",
    autoretry_for=(OSError, smtplib.SMTPException),  # the mail server away: try again later
    retry_backoff=30,
    max_retries=8,
)
def shift_email(signup_id, template) -> str:
    """A sign-up's e-mail (volunteers.mail.SHIFT_EMAILS), from a worker: the sign-up's request
    does not wait for the mail server, and a failure is tried again."""
    mail.shift_email(signup_id, template)
    return f"{template} for sign-up {signup_id}"


@shared_task(name="volunteers.send_reminders")
def send_reminders() -> str:
    return f"{signups.send_reminders()} reminders sent"


@shared_task(name="volunteers.send_digests")
def send_digests(frequency=None) -> str:
    """Divide the period's digests among the workers: one task per chunk of volunteers, all with
    the same snapshot, so that the period and the window are the same for all."""
    now = datetime.datetime.now(datetime.UTC).isoformat()
    parts = []
    for f in [frequency] if frequency else Frequency.values:
        chunks = digests.chunks(f)
        group(send_digest_chunk.s(f, now, first, last) for first, last in chunks).apply_async()
        parts.append(f"{f}: {len(chunks)} chunks")
    return "; ".join(parts)


@shared_task(name="volunteers.send_digest_chunk")
def send_digest_chunk(frequency, now, first, last) -> str:
    run = digests.send_digests(
        frequency, now=datetime.datetime.fromisoformat(now), users=(first, last)
    )
    return f"{run.sent} sent, {run.failed} failed, {run.skipped} taken by another run"
