"""Needs' work outside the request: the coverage refresh (scheduled in mapsite/celery.py) and the
CSV imports uploaded from the web."""

import tempfile
from pathlib import Path

from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

from common.importing import FileError
from needs.coverage import refresh
from needs.importing import import_needs
from needs.models import ImportStatus, NeedsImport


@shared_task(name="needs.refresh_coverage")
def refresh_coverage(full=False) -> str:
    run = refresh(full=full)
    return f"coverage: {run.mode}, {run.areas} areas, {run.needs_left} needs without help"


def progress_key(pk) -> str:
    return f"needs-import-progress:{pk}"


@shared_task(name="needs.import_file")
def import_needs_file(pk) -> str:
    """Import an uploaded file in one transaction. Run again (its worker died), it imports the
    file again from the start: the half that was written was rolled back with the worker, and
    rows are matched on external_id, so nothing is written twice."""
    job = NeedsImport.objects.select_related("incident").get(pk=pk)
    if job.status in (ImportStatus.DONE, ImportStatus.FAILED):
        return f"{job.source}: already {job.status}"
    NeedsImport.objects.filter(pk=pk).update(status=ImportStatus.RUNNING)

    def on_progress(phase, rows):  # outside the import's transaction, for the uploader's page
        cache.set(progress_key(pk), {"phase": phase, "rows": rows}, 3600)

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "needs.csv"
        path.write_bytes(job.file)
        try:
            report = import_needs(
                path, incident=job.incident, commit=job.commit, on_progress=on_progress
            )
        except FileError as exc:
            job.status, job.error = ImportStatus.FAILED, str(exc).replace(str(path), job.source)
        else:
            report.source = job.source
            job.status, job.report = ImportStatus.DONE, report.as_dict()
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "error", "report", "finished_at"])
    cache.delete(progress_key(pk))
    return f"{job.source}: {job.status}"
