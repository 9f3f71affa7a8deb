"""Requests refused before any view reads them: bodies larger than any form or upload takes, and
query strings with a NUL character (PostgreSQL refuses NUL in text; no parameter needs one); the
API's language; the Content-Security-Policy of answers that are not pages."""

from csp.constants import HEADER
from csp.middleware import CSPMiddleware
from django.conf import settings
from django.http import JsonResponse
from django.utils import translation
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


class ApiLanguageMiddleware:
    """The API speaks the language its `lang` parameter names (th or en: the pages of each
    language ask in theirs), Thai without one: its messages (a place not found, why a place is
    offered, an explanation of coverage) are the page's. In the address rather than a header, so
    that an edge cache keyed on the address keeps each language's answer apart. Any other value:
    400. After LocaleMiddleware, which speaks the default language at addresses without one."""

    PREFIX = "/api/"

    def __init__(self, get_response):
        self.get_response = get_response
        self.languages = dict(settings.LANGUAGES)

    def __call__(self, request):
        if request.path_info.startswith(self.PREFIX) and "lang" in request.GET:
            language = request.GET["lang"]
            if language not in self.languages:
                message = _("Unknown value “%(value)s”.") % {"value": language[:80]}
                return JsonResponse({"lang": [message]}, status=400)
            translation.activate(language)
            request.LANGUAGE_CODE = language
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
