"""Fixed-window rate limits for plain Django views (the API uses DRF's throttles), counted in the
default cache, which every worker shares when it is Redis (./dev and docker compose start one):
a per-process cache would let each worker count on its own.

Clients are told apart by address as DRF reads it (behind NUM_PROXIES proxies); an account's
failed log-ins are also counted by the account, so that many addresses cannot take turns."""

import hashlib
import time

from django.core.cache import cache
from rest_framework.throttling import BaseThrottle


def client_address(request) -> str:
    return BaseThrottle().get_ident(request)


def _key(scope: str, who: str, seconds: int) -> str:
    digest = hashlib.sha256(who.encode()).hexdigest()[:32]  # no address or e-mail in the cache
    return f"rate:{scope}:{digest}:{int(time.time() // seconds)}"


def count(scope: str, who: str, seconds: int) -> int:
    """Count one more event in the window; returns the count so far."""
    key = _key(scope, who, seconds)
    cache.add(key, 0, seconds)
    try:
        return cache.incr(key)
    except ValueError:  # the key expired between add and incr
        cache.add(key, 1, seconds)
        return 1


def seen(scope: str, who: str, seconds: int) -> int:
    """The events counted in the window, without counting one."""
    return cache.get(_key(scope, who, seconds), 0)


def forget(scope: str, who: str, seconds: int) -> None:
    cache.delete(_key(scope, who, seconds))
