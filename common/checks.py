"""Deploy checks (`manage.py check --deploy`) for what the kernel relies on."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.caches, deploy=True)
def shared_cache(app_configs, **kwargs):
    backend = settings.CACHES["default"]["BACKEND"]
    if backend.endswith("LocMemCache"):
        return [
            Warning(
                "The default cache is per process (locmem): rate limits on log-in, registration "
                "and password reset count per worker, and tile caches are not shared.",
                hint="Set CACHE_URL to a Redis shared by every worker.",
                id="common.W001",
            )
        ]
    return []
