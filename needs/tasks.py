"""Needs' work outside the request (scheduled in mapsite/celery.py)."""

from celery import shared_task

from needs.coverage import refresh


@shared_task(name="needs.refresh_coverage")
def refresh_coverage(full=False) -> str:
    run = refresh(full=full)
    return f"coverage: {run.mode}, {run.areas} areas, {run.needs_left} needs without help"
