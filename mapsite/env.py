"""Typed access to the environment for settings, remembering every name read.

Settings read each variable through these helpers so that `.env.example` and `docker-compose.yml`
can be checked against the names the code really reads (see tests/test_foundation.py).
"""

import os

from django.core.exceptions import ImproperlyConfigured

NAMES_READ: set[str] = set()

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def get(name: str, default: str | None = None) -> str | None:
    NAMES_READ.add(name)
    return os.environ.get(name, default)


def flag(name: str, default: bool = False) -> bool:
    value = get(name)
    if value is None:
        return default
    value = value.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean (use 1/0, true/false).")


def integer(name: str, default: int) -> int:
    value = get(name)
    if value in (None, ""):
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not an integer.") from None


def items(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in (get(name, default) or "").split(",") if item.strip()]
