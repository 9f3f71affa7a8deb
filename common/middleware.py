"""Requests refused before any view reads them: bodies larger than any form or upload takes, and
query strings with a NUL character (PostgreSQL refuses NUL in text; no parameter needs one); the
Content-Security-Policy of answers that are not pages."""

from csp.constants import HEADER
from csp.middleware import CSPMiddleware
from django.conf import settings
from django.utils.translation import gettext as _

from common.errors import error_response


class RequestLimitsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return error_response(request, 400)
        if length > settings.MAX_REQUEST_BYTES:
            return error_response(
                request,
                413,
                _("At most %(mb)s MB can be sent at once.")
                % {"mb": settings.MAX_REQUEST_BYTES // 2**20},
            )
        if "%00" in request.META.get("QUERY_STRING", "") or "\x00" in request.path:
            return error_response(request, 400, _("The address contains a NUL character."))
        return self.get_response(request)


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's policy for pages. An answer that is not a page (JSON, GeoJSON, CSV, iCal) is
    never a document a browser runs scripts in: it gets a fixed policy that allows nothing, rather
    than the pages' policy built again for every tile and API page (django-csp builds it twice
    per response: a fifth of a cached tile's time in the server)."""

    NOT_A_PAGE = "default-src 'none'; frame-ancestors 'none'"

    def process_response(self, request, response):
        if response.get("Content-Type", "").startswith("text/html"):
            return super().process_response(request, response)
        if HEADER not in response:
            response[HEADER] = self.NOT_A_PAGE
        return response
