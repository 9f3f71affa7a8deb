"""The digest e-mail: new opportunities for each volunteer's saved searches, one e-mail per
volunteer per period (week or month), never sent twice.

The matching is set-based: the opportunities published in the window go into a temporary table
with its own spatial index, and the saved searches of a batch of volunteers are joined against it
at once, each reading at most PER_SEARCH matches, newest first; the next batch is matched (in
PostgreSQL, on a connection of its own) while this one's e-mails are written (in Python), which
nearly doubled a run's rate (bench/digests.py). Each batch is claimed in the
database (one row per volunteer and period) before its e-mails go out, so a second run, at the
same time or later, skips them; a failed e-mail is marked failed and retried by the next run.
Each e-mail is marked sent as soon as it has gone, and a claim still unsent after the lease
belongs to a run that died: the next run sends it. So a run killed at any point and run again
sends each e-mail once, except the single one in flight at the kill, which may go twice with the
same Message-ID (mail clients show such a pair as one message).

A run can be divided among workers by volunteer: `chunks` splits the volunteers with searches,
and `send_digests(…, users=(first, last))` does the run's work for one part of them.
"""

import contextlib
import datetime
import logging
import queue
import threading
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import get_connection
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from psycopg import pq

from opportunities.models import Opportunity
from volunteers import mail, sql
from volunteers.models import Digest, DigestStatus, Frequency

log = logging.getLogger(__name__)
SHOWN = 10  # opportunities listed in one e-mail; the rest are counted
PER_SEARCH = 100  # matches read per saved search, newest first (the count says "at least")
BATCH = 500
CHUNK = 5000  # volunteers in one task of a run divided among workers
EVERYONE = (0, 2**63 - 1)
WINDOW = {
    Frequency.WEEKLY: datetime.timedelta(days=7),
    Frequency.MONTHLY: datetime.timedelta(days=31),
}


def period_of(frequency, day: datetime.date) -> datetime.date:
    if frequency == Frequency.WEEKLY:
        return day - datetime.timedelta(days=day.weekday())
    return day.replace(day=1)


@dataclass
class DigestRun:
    frequency: str
    period: datetime.date
    snapshot: datetime.datetime  # what was published until then is in this run
    volunteers: int = 0  # matched
    sent: int = 0
    failed: int = 0
    skipped: int = 0  # claimed by another run meanwhile
    parts: mail.DigestParts = field(default_factory=mail.DigestParts, repr=False)
    _listed: dict = field(default_factory=dict, repr=False)

    LISTED_KEPT = 100_000

    def listed(self, ids) -> dict:
        """{id: mail.Listed} with these opportunities (those deleted before they were first
        listed missing): read once a run, not for every batch (a fresh opportunity is listed
        by a few batches of many)."""
        missing = [pk for pk in ids if pk not in self._listed]
        if len(self._listed) + len(missing) > self.LISTED_KEPT:
            self._listed.clear()
            missing = list(ids)
        for row in Opportunity.objects.filter(pk__in=missing).values_list(
            "pk", "title", "organization__name_th", "organization__name_en", "address"
        ):
            self._listed[row[0]] = mail.Listed(*row)
        return self._listed


def claim_lease() -> datetime.timedelta:
    """A batch of BATCH e-mails takes well under this (DIGEST_CLAIM_LEASE_SECONDS)."""
    return datetime.timedelta(seconds=settings.DIGEST_CLAIM_LEASE_SECONDS)


def chunks(frequency, size=CHUNK) -> list[tuple[int, int]]:
    """The volunteers with saved searches of this frequency, as (first, last) user id ranges of
    at most `size` volunteers each."""
    with connection.cursor() as cursor:
        cursor.execute(sql.DIGEST_SEARCHERS, {"frequency": frequency})
        ids = [row[0] for row in cursor.fetchall()]
    return [(part[0], part[-1]) for part in (ids[i : i + size] for i in range(0, len(ids), size))]


def send_digests(frequency, now=None, batch=BATCH, users=EVERYONE) -> DigestRun:
    now = now or timezone.now()
    today = timezone.localdate(now)
    run = DigestRun(frequency, period_of(frequency, today), now)
    params = {
        "frequency": frequency,
        "period": run.period,
        "since": now - WINDOW[frequency],
        "now": now,
        "today": today,
        "first": users[0],
        "last": users[1],
        "lease": claim_lease(),
    }
    matched = _matched(params, batch)
    if not connection.in_atomic_block:
        # The next batch matched (PostgreSQL's work) while this one's e-mails are written
        # (Python's), on a connection of its own; not inside a caller's transaction, whose
        # writes only its own connection sees.
        matched = Ahead(matched)
    try:
        for rows in matched:
            _send_batch(run, rows)
    finally:
        matched.close()
    log.info("digests %s %s: %s", frequency, run.period, run)
    return run


def _matched(params, batch):
    """The matches of each batch of volunteers in turn: [(user, [opportunity ids], total)],
    a batch without any left out."""
    with connection.cursor() as cursor:
        cursor.execute(sql.DIGEST_DROP)
        try:
            cursor.execute(sql.DIGEST_FRESH, params)
            cursor.execute(sql.DIGEST_SEARCHES, params)
            after = 0
            while True:
                cursor.execute(sql.DIGEST_USERS, {"after": after, "batch": batch})
                users = [row[0] for row in cursor.fetchall()]
                if not users:
                    return
                cursor.execute(
                    sql.DIGEST_MATCHES, {"users": users, "shown": SHOWN, "cap": PER_SEARCH}
                )
                if rows := cursor.fetchall():
                    yield rows
                after = users[-1]
        finally:
            cursor.execute(sql.DIGEST_DROP)


class Ahead:
    """A generator run one item ahead in a thread of its own, so on a database connection of
    its own (Django's are per thread), which it closes when done. Its error is raised where the
    item would have come; close() stops it (its `finally` runs) and waits for it."""

    _END = object()

    def __init__(self, items):
        self._items = items
        self._queue = queue.Queue(maxsize=1)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="digest-matching", daemon=True)
        self._thread.start()

    def _run(self):
        try:
            for item in self._items:
                if not self._put(item):
                    break
            else:
                self._put(self._END)
        except Exception as exc:  # raised in the caller's thread
            self._put(exc)
        finally:
            try:
                self._items.close()
            finally:
                connection.close()

    def _put(self, item) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def __iter__(self):
        while (item := self._queue.get()) is not self._END:
            if isinstance(item, Exception):
                raise item
            yield item

    def close(self):
        self._stop.set()
        with contextlib.suppress(queue.Empty):
            self._queue.get_nowait()  # a put waiting for room ends
        self._thread.join()


def _send_batch(run, rows):
    run.volunteers += len(rows)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            sql.DIGEST_CLAIM,
            {
                "frequency": run.frequency,
                "period": run.period,
                "now": run.snapshot,
                "users": [r[0] for r in rows],
                "counts": [r[2] for r in rows],
                "lease": claim_lease(),
            },
        )
        claimed = dict(cursor.fetchall())  # user: digest
    run.skipped += len(rows) - len(claimed)
    rows = [r for r in rows if r[0] in claimed]
    recipients = {
        r[0]: mail.Recipient(*r)
        for r in get_user_model()
        .objects.filter(pk__in=[r[0] for r in rows])
        .values_list("pk", "email", "volunteer__display_name", "volunteer__language")
    }
    listed = run.listed({pk for r in rows for pk in r[1]})
    outbox = get_connection()
    with outbox, Marks(connection) as marks:
        for user_id, ids, total in rows:
            try:
                email = mail.digest(
                    recipients[user_id],
                    [listed[pk] for pk in ids if pk in listed],  # none deleted meanwhile
                    total,
                    run.frequency,
                    run.parts,
                    at_least=total >= PER_SEARCH,
                )
                email.extra_headers["Message-ID"] = message_id(user_id, run)
                marks.wait()  # the last one is marked before this one goes
                outbox.send_messages([email])
            except DatabaseError:  # a mark not written: nothing more goes out
                raise
            except Exception as exc:  # one bad address must not stop the others
                log.warning("digest to user %s failed: %s", user_id, exc)
                error = str(exc) or type(exc).__name__
                marks.wait()
                Digest.objects.filter(pk=claimed[user_id]).update(
                    status=DigestStatus.FAILED, error=error[:1000]
                )
                run.failed += 1
            else:
                marks.sent(claimed[user_id])
                run.sent += 1


class Marks:
    """Each digest marked sent as soon as its e-mail has gone, in a transaction of its own (or in
    the caller's, when there is one), so that a run killed after that never sends it again.

    The mark is sent to PostgreSQL without waiting for its answer (libpq's asynchronous API), so
    that the UPDATE and its commit run while the next e-mail is written, and its answer is read
    before the next e-mail goes out: still at most one e-mail sent and not yet marked. Waiting
    for each mark was 15 % of a run (bench/digests.py). Nothing else may use the connection
    until `wait()`: the batch's loop calls it before its other statements; leaving does too."""

    def __init__(self, connection):
        connection.ensure_connection()
        self._pgconn = connection.connection.pgconn
        self._pending = False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.wait()

    def sent(self, digest_id):
        self.wait()  # at most one on its way
        self._pgconn.send_query_params(
            sql.DIGEST_SENT, [DigestStatus.SENT.encode(), str(digest_id).encode()]
        )
        self._pending = True

    def wait(self):
        """The answer to the last mark: written, or its error raised."""
        if not self._pending:
            return
        self._pending = False
        failed = None
        while (result := self._pgconn.get_result()) is not None:
            if result.status != pq.ExecStatus.COMMAND_OK:
                failed = result.error_message.decode(errors="replace")
        if failed is not None:
            raise DatabaseError(failed)


def message_id(user_id, run) -> str:
    """The same for every attempt at one volunteer's digest of one period."""
    return f"<digest.{run.frequency}.{run.period:%Y%m%d}.{user_id}@{mail.site_domain()}>"
