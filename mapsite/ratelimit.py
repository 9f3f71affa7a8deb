"""A fixed-window rate limit for plain Django views (the API uses DRF's throttles), counted in the
shared cache per client address (behind NUM_PROXIES proxies, as DRF reads it)."""

import time

from django.core.cache import cache
from rest_framework.throttling import BaseThrottle


def too_many(request, scope: str, limit: int, seconds: int) -> bool:
    """Count this request; True when the client made more than `limit` in the window."""
    client = BaseThrottle().get_ident(request)
    key = f"rate:{scope}:{client}:{int(time.time() // seconds)}"
    cache.add(key, 0, seconds)
    try:
        return cache.incr(key) > limit
    except ValueError:  # the key expired between add and incr
        return False
