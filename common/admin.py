"""The tasks' outcomes for staff: django-celery-results' admin, with how long each task took, in
the staff's language. The package has no Thai: the labels its admin shows are named here so that
this project's catalogue translates them (Django looks in LOCALE_PATHS first)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django_celery_results.admin import TaskResultAdmin
from django_celery_results.models import TaskResult

LABELS_SHOWN = (
    _("Celery Results"),
    _("task result"),
    _("task results"),
    _("group result"),
    _("group results"),
    _("Task ID"),
    _("Task Name"),
    _("Periodic Task Name"),
    _("Task State"),
    _("Worker"),
    _("Created DateTime"),
    _("Started DateTime"),
    _("Completed DateTime"),
    _("Parameters"),
    _("Result"),
    _("Result Data"),
    _("Traceback"),
    _("Task Positional Arguments"),
    _("Task Named Arguments"),
    _("Task Meta Information"),
    _("Result Content Type"),
    _("Result Encoding"),
    _("Group ID"),
)

admin.site.unregister(TaskResult)


@admin.register(TaskResult)
class TimedTaskResultAdmin(TaskResultAdmin):
    list_display = ("task_name", "status", "date_started", "duration", "worker", "task_id")

    @admin.display(description=_("seconds taken"))
    def duration(self, result):
        if result.date_started and result.date_done:
            return f"{(result.date_done - result.date_started).total_seconds():.2f}"
        return "–"
