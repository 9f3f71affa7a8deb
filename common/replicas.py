"""Read replicas (DATABASE_REPLICA_URLS): the anonymous public reads go to a replica, every
other query to the primary.

A request's reads may go to a replica when it is a GET or HEAD from someone without a session,
an API token or a recent write of their own: the public map's tiles, lists, searches, detail
pages and exports. Who writes (any other method) gets a cookie that keeps their reads on the
primary for DATABASE_PRIMARY_PIN_SECONDS, so that they see what they just did. A replica further
behind than DATABASE_REPLICA_MAX_LAG_SECONDS, or unreachable, is skipped until it catches up;
with none left the reads go to the primary. Work outside requests (Celery tasks, commands) always
runs on the primary.
"""

import contextvars
import logging
import random
import time

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

log = logging.getLogger(__name__)
PIN_COOKIE = "volmap_primary"
LAG_CHECKED_EVERY = 2.0  # seconds between two measures of one replica's lag, per process
DOWN_CHECKED_EVERY = 30.0  # and between two attempts at one that could not be reached
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}

# The replica this request's reads go to, chosen when it starts; None: the primary.
_read_alias = contextvars.ContextVar("read_alias", default=None)
_measured: dict[str, tuple[float, float | None]] = {}  # alias -> (when, lag in s, None if down)

# How far behind the replica is: nothing when it has replayed all it received and still streams,
# else the age of the last transaction it replayed.
LAG = """
SELECT CASE
  WHEN NOT pg_is_in_recovery() THEN 0
  WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn()
       AND EXISTS (SELECT 1 FROM pg_stat_wal_receiver WHERE status = 'streaming') THEN 0
  ELSE coalesce(extract(epoch FROM now() - pg_last_xact_replay_timestamp()), 'Infinity')
END
"""


def replica_aliases() -> list[str]:
    return [alias for alias in settings.DATABASES if alias.startswith("replica_")]


def lag(alias) -> float | None:
    """The replica's lag in seconds, measured at most every LAG_CHECKED_EVERY; None when it
    cannot be reached."""
    now = time.monotonic()
    when, seconds = _measured.get(alias, (float("-inf"), None))
    if now - when < (LAG_CHECKED_EVERY if seconds is not None else DOWN_CHECKED_EVERY):
        return seconds
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute(LAG)
            seconds = float(cursor.fetchone()[0])
    except Exception as exc:  # a replica down must not take the site down
        log.warning("replica %s unreachable: %s", alias, exc)
        connections[alias].close()
        seconds = None
    _measured[alias] = (now, seconds)
    return seconds


def usable_replicas() -> list[str]:
    limit = settings.DATABASE_REPLICA_MAX_LAG_SECONDS
    lags = {alias: lag(alias) for alias in replica_aliases()}
    return [alias for alias, seconds in lags.items() if seconds is not None and seconds <= limit]


def choose_replica() -> str | None:
    replicas = usable_replicas()
    return random.choice(replicas) if replicas else None  # noqa: S311 (load, not secrets)


def read_connection():
    """The connection for a raw SQL read (the ORM's go through the router): the request's
    replica for a public read, else the primary."""
    return connections[_read_alias.get() or DEFAULT_DB_ALIAS]


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        return _read_alias.get()

    def db_for_write(self, model, **hints):
        return "default"  # also for a row that was read from a replica

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replicas hold the primary's rows

    def allow_migrate(self, db, app_label, **hints):
        return db == "default"


def is_public_read(request) -> bool:
    return (
        request.method in SAFE_METHODS
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and PIN_COOKIE not in request.COOKIES
        and "HTTP_AUTHORIZATION" not in request.META
    )


class ReplicaReadsMiddleware:
    """Marks the public reads (see the module) and pins whoever writes to the primary."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        alias = choose_replica() if is_public_read(request) and replica_aliases() else None
        token = _read_alias.set(alias)
        try:
            response = self.get_response(request)
        finally:
            _read_alias.reset(token)
        if alias and response.streaming:  # an export reads as it is sent
            response.streaming_content = _reading(alias, response.streaming_content)
        if request.method not in SAFE_METHODS:
            response.set_cookie(
                PIN_COOKIE,
                "1",
                max_age=settings.DATABASE_PRIMARY_PIN_SECONDS,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response


def _reading(alias, chunks):
    iterator = iter(chunks)
    while True:
        token = _read_alias.set(alias)
        try:
            chunk = next(iterator)
        except StopIteration:
            return
        finally:
            _read_alias.reset(token)
        yield chunk
