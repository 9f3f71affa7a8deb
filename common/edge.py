"""What a shared cache in front of the site (nginx, deploy/nginx.conf) may keep: the API's
answers to the public, for PUBLIC_MAX_AGE_SECONDS, with an ETag so that an expired entry is
revalidated by a 304 rather than fetched again. (The tiles say so themselves, with an ETag of the
data's version: opportunities.views.tile.) Answers to anyone else, logged in, holding an API token
or just after a write of their own, are marked private: no shared cache stores them."""

from django.conf import settings
from django.utils.cache import get_conditional_response, patch_cache_control, set_response_etag

from common.replicas import is_public_read

API_PATHS = ("/api/", "/en/api/")


class SharedCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path.startswith(API_PATHS):
            return response
        if not is_public_read(request):
            patch_cache_control(response, private=True)
            return response
        if (
            response.status_code != 200
            or response.streaming
            or response.cookies
            or response.has_header("Cache-Control")
        ):
            return response
        patch_cache_control(response, public=True, max_age=settings.PUBLIC_MAX_AGE_SECONDS)
        if not response.has_header("ETag"):
            set_response_etag(response)
        return get_conditional_response(request, etag=response["ETag"], response=response)
