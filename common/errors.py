"""Errors as a person or a program expects them: API paths answer JSON, pages answer in the site's
layout and language with a way home, and a database that cannot be reached is a 503 (try again
soon), never a 500.

The error pages render without the request's context processors: a 500 or 503 may come from the
database itself, and the header's "who is logged in" would ask it again.
"""

import logging
import math

from django.apps import apps
from django.conf import settings
from django.db import IntegrityError, InterfaceError, OperationalError, connections
from django.db.models import ProtectedError
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext_lazy, ngettext
from rest_framework import exceptions, views
from rest_framework.exceptions import APIException

log = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 30

TITLES = {
    400: gettext_lazy("The request could not be understood"),
    403: gettext_lazy("You cannot open this page"),
    404: gettext_lazy("This page does not exist"),
    413: gettext_lazy("What you sent is too large"),
    429: gettext_lazy("Too many requests"),
    500: gettext_lazy("Something went wrong on our side"),
    503: gettext_lazy("The service is briefly unavailable"),
}
EXPLANATIONS = {
    400: gettext_lazy("Check what you typed or the address of the page, then try again."),
    403: gettext_lazy("You may need to log in with an account that has access to it."),
    404: gettext_lazy("The link may be old, or the item was removed or is not public yet."),
    413: gettext_lazy("Send a smaller file."),
    429: gettext_lazy("Wait a little, then try again."),
    500: gettext_lazy("We have been told. Please try again in a few minutes."),
    503: gettext_lazy("Please try again in a minute. Nothing you saved is lost."),
}


def is_api(request) -> bool:
    return request.path.startswith("/api/")


def error_response(request, status: int, detail: str | None = None):
    """JSON for the API, the site's error page otherwise."""
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)} if status == 503 else {}
    if is_api(request):
        return JsonResponse(
            {"detail": detail or str(TITLES[status])},
            status=status,
            headers=headers,
            json_dumps_params={"ensure_ascii": False},
        )
    body = loader.get_template("errors/error.html").render(
        {
            "status": status,
            "title": TITLES[status],
            "explanation": EXPLANATIONS[status],
            "detail": detail,
            "content_licence": settings.CONTENT_LICENCE,
            "site_url": settings.SITE_URL,
        }
    )
    return HttpResponse(body, status=status, headers=headers)


# Django's handlers (mapsite/urls.py names them).
def bad_request(request, exception=None):
    return error_response(request, 400)


def permission_denied(request, exception=None):
    return error_response(request, 403)


def page_not_found(request, exception=None):
    return error_response(request, 404)


def server_error(request):
    return error_response(request, 500)


class DatabaseUnavailableMiddleware:
    """A view that cannot reach the database answers 503 with Retry-After (a load balancer and a
    person both know to try again), and the broken connection is dropped."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        log.error("database unavailable: %s", exception)
        for connection in connections.all(initialized_only=True):
            connection.close_if_unusable_or_obsolete()
        return error_response(request, 503)


class DatabaseUnavailable(APIException):
    status_code = 503
    default_detail = gettext_lazy("The service is briefly unavailable; try again in a minute.")


class InUse(APIException):
    status_code = 409
    default_detail = gettext_lazy(
        "Volunteers have signed up for its shifts and their history is kept: close it instead."
    )
    default_code = "in_use"


class Conflict(APIException):
    status_code = 409
    default_detail = gettext_lazy("This conflicts with what is saved already.")
    default_code = "conflict"


class TooManyRequests(exceptions.Throttled):
    """DRF's throttling, said in the person's language (DRF's Thai catalogue lacks it)."""

    def __init__(self, wait):
        seconds = max(1, math.ceil(wait or 1))
        message = ngettext(
            "Too many searches in a short time. Try again in %(seconds)d second.",
            "Too many searches in a short time. Try again in %(seconds)d seconds.",
            seconds,
        )
        super().__init__(wait=None, detail=message % {"seconds": seconds})
        self.wait = seconds


# Rules the database enforces beyond the models' constraints (triggers), by constraint name; the
# app that creates the rule declares its message (register_constraint_message).
_DATABASE_RULES: dict[str, str] = {}


def register_constraint_message(name: str, message) -> None:
    _DATABASE_RULES[name] = message


def constraint_message(exc: IntegrityError) -> str | None:
    """What the refused constraint means: a trigger's registered message, or the model
    constraint's own `violation_error_message`."""
    name = getattr(getattr(exc.__cause__, "diag", None), "constraint_name", None)
    if not name:
        return None
    if name in _DATABASE_RULES:
        return str(_DATABASE_RULES[name])
    for model in apps.get_models():
        for constraint in model._meta.constraints:
            if (
                constraint.name
                % {
                    "app_label": model._meta.app_label.lower(),
                    "class": model.__name__.lower(),
                }
                == name
                and constraint.violation_error_message
            ):
                return str(constraint.violation_error_message)
    return None


def api_exception_handler(exc, context):
    """DRF's, and: a deletion that would take volunteers' sign-ups with it is a 409; a constraint
    the database enforced is a 409 with the constraint's own message; a database that cannot be
    reached is a 503."""
    if isinstance(exc, ProtectedError):
        exc = InUse()
    elif isinstance(exc, IntegrityError):
        log.warning("integrity error answered 409: %s", exc)
        exc = Conflict(constraint_message(exc))
    elif isinstance(exc, OperationalError | InterfaceError):
        log.error("database unavailable: %s", exc)
        exc = DatabaseUnavailable()
    elif isinstance(exc, exceptions.Throttled):
        exc = TooManyRequests(exc.wait)
    response = views.exception_handler(exc, context)
    if response is not None and response.status_code == 503:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def csrf_failure(request, reason=""):
    """Django's CSRF refusal, in the site's words: usually a form left open too long."""
    return error_response(
        request,
        403,
        str(
            gettext_lazy(
                "The form expired or cookies are blocked. Go back, reload the page and send it "
                "again."
            )
        ),
    )
