"""Pages that cost what the first page costs, however deep: keyset (cursor) pagination.

A list is read in an order backed by an index; a page is the rows after the last row of the page
before, `WHERE (key, id) > (last key, last id) ORDER BY key, id LIMIT n + 1`, which the index
answers by starting where that page stopped. OFFSET would read and throw away every row before
the page (bench/lists.py shows both). The cursor, the `after` parameter of the next page's link,
is the last row's key, written so that only the order that wrote it reads it back.

Radius searches page by distance (`nearest_page`): PostgreSQL's GiST index gives rows in the
order of their distance on the sphere (`<->`), while the distance reported and cut at the radius
is the exact one on the spheroid. The two differ by under 0.6 % in Thailand, so a page reads in
index order until no unread row can be nearer, on the spheroid, than the rows it keeps, then
sorts those by the exact distance: pages follow the distance they report, across pages too.
A nearest-first scan cannot start in the middle, so a deep radius page still reads every nearer
row; radius results therefore stop at MAX_NEAREST rows, and say so.

Building and compiling a radius search's queryset costs the server about 3 ms of Python, as much
as PostgreSQL's answer at a million rows: `NearestStatement` keeps the SQL of one set of filters
and runs it around any point, reading plain rows.
"""

import math
import threading
from dataclasses import dataclass
from datetime import date, datetime

from django.contrib.gis.db.backends.postgis.adapter import PostGISAdapter
from django.core import signing
from django.db.models import F, Field, Func, Value
from django.db.models.lookups import (
    GreaterThan,
    GreaterThanOrEqual,
    LessThan,
    LessThanOrEqual,
)
from django.utils.translation import gettext
from rest_framework.exceptions import ValidationError

from common.cursors import bound_cursor
from common.replicas import read_connection

MAX_NEAREST = 1_000  # rows of one radius search, nearest first (bench/lists.py: under 50 ms)
# Rows one radius page may read to be sure of its order: many rows at one spot (an organization's
# opportunities at its address) must all be read before any can be listed after them.
MAX_READ = 20_000
MAX_CURSOR = 4_000  # characters: a signed key of up to 200 Thai characters, compressed
SALT = "common.pages"
# Sphere distance / spheroid distance, anywhere in Thailand and around it (WGS 84 against the
# sphere of PostGIS, radius 6,371,008.8 m: north-south 1.0057 at the equator, east-west 0.9989).
SPHERE_LOW, SPHERE_HIGH = 0.998, 1.007

_KINDS = {
    "int": (int, lambda v: v, lambda v: v),
    "text": (str, lambda v: v, lambda v: v),
    "float": (float, lambda v: v, lambda v: v),
    "date": (date, date.isoformat, date.fromisoformat),
    "datetime": (datetime, datetime.isoformat, datetime.fromisoformat),
}


def stopped_message() -> str:
    return gettext(
        "Only the %(n)s nearest are listed. Choose a smaller distance or more filters, or download "
        "everything from the exports."
    ) % {"n": f"{MAX_NEAREST:,}"}


def damaged(name="after"):
    return ValidationError(
        {name: [gettext("This link to more results is damaged. Start again from the first page.")]}
    )


@dataclass(frozen=True)
class Keyset:
    """An order to page through: `keys` are (name, expression, kind), the last one unique (the
    id), all ascending or all `descending`, backed by an index on the same expressions. A key
    without an expression is the model's field of that name."""

    name: str
    keys: tuple
    descending: bool = False

    def ordered(self, queryset):
        """The queryset in this order, each row annotated with its key values."""
        queryset = queryset.annotate(
            **{name: expression for name, expression, _ in self.keys if expression is not None}
        )
        sign = "-" if self.descending else ""
        return queryset.order_by(*(f"{sign}{name}" for name, _, _ in self.keys))

    def after(self, queryset, cursor: str | None):
        """The rows after the cursor's row (an ordered() queryset)."""
        if cursor is None:
            return queryset
        return self._compared(queryset, self.read(cursor), LessThan, GreaterThan)

    def up_to(self, queryset, values):
        """The rows up to and with the one whose keys are `values`, in this order (a range of
        the index, read from its start)."""
        return self._compared(queryset, values, GreaterThanOrEqual, LessThanOrEqual)

    def _compared(self, queryset, values, descending, ascending):
        """The rows whose keys compare with `values` as a ROW, by the lookup for this order."""
        row = Func(
            *(F(name) if expression is None else expression for name, expression, _ in self.keys),
            function="ROW",
            output_field=Field(),
        )
        then = Func(*(Value(v) for v in values), function="ROW", output_field=Field())
        compare = descending if self.descending else ascending
        return queryset.filter(compare(row, then))

    def cursor(self, row) -> str:
        values = [_KINDS[kind][1](_value(row, name)) for name, _, kind in self.keys]
        return _encode([self.name, *values])

    def read(self, cursor: str) -> list:
        data = _decode(cursor)
        if not data or data[0] != self.name or len(data) != len(self.keys) + 1:
            raise damaged()
        values = []
        for (_, _, kind), value in zip(self.keys, data[1:], strict=True):
            python_type, _, parse = _KINDS[kind]
            try:
                parsed = parse(value)
            except (TypeError, ValueError):
                raise damaged() from None
            if not isinstance(parsed, python_type) or isinstance(parsed, bool):
                raise damaged()
            if isinstance(parsed, float) and not math.isfinite(parsed):
                raise damaged()
            values.append(parsed)
        return values


def keyset_page(queryset, keyset: Keyset, cursor: str | None, size: int):
    """(rows, cursor of the next page or None) of an ordered() queryset."""
    rows = list(keyset.after(queryset, cursor)[: size + 1])
    following = keyset.cursor(rows[size - 1]) if len(rows) > size else None
    return rows[:size], following


NEAREST_CURSOR = "nearest"


def nearest_page(rows, cursor: str | None, size: int, radius_m: float):
    """(rows, next cursor or None, whether MAX_NEAREST stopped the list) of a nearest_first()
    queryset, whose rows have `distance` (spheroid), `knn` (sphere) and `id`: the next `size`
    rows by exact distance, then id, within `radius_m`. `rows` is the queryset, or, for a first
    page, a function of n giving its first n rows (NearestStatement.around)."""
    last, depth = None, 0
    if cursor is not None:
        metres, pk, depth = _read_nearest(cursor)
        last = (metres, pk)
        rows = rows.filter(knn__gte=metres * SPHERE_LOW)
    first = rows if callable(rows) else lambda n, queryset=rows: list(queryset[:n])
    wanted = min(size, MAX_NEAREST - depth)
    if wanted <= 0:
        return [], None, True
    # The page, the row after it, and more for the rows that the index's order puts after them
    # but whose exact distance may be smaller: those within 0.9 % of the farthest row's
    # distance, a few in a hundred where rows are spread out; 21 more at least, for a small
    # page among many rows at one spot. One query is usually enough.
    fetch = wanted + 1 + max(21, wanted // 4)
    while True:
        rows = first(fetch)
        exhausted = len(rows) < fetch
        # No unread row is nearer, on the spheroid, than `sure`.
        sure = math.inf if exhausted else _value(rows[-1], "knn") / SPHERE_HIGH
        certain = sorted(
            (r for r in rows if _metres(r) < sure and _metres(r) <= radius_m), key=_key
        )
        if last is not None:
            certain = [r for r in certain if _key(r) > last]
        if exhausted or sure > radius_m or len(certain) > wanted or fetch >= MAX_READ:
            break
        fetch = min(2 * fetch, MAX_READ)
    page = certain[:wanted]
    more = len(certain) > wanted
    # Read as far as it may and still unsure of what comes next: the list stops here, and says so.
    unsure = not more and not (exhausted or sure > radius_m)
    stopped = unsure or (more and depth + len(page) >= MAX_NEAREST)
    following = None
    if more and not stopped and page:
        metres, pk = _key(page[-1])
        following = _encode([NEAREST_CURSOR, metres, pk, depth + len(page)])
    return page, following, stopped


def _key(row):
    return _metres(row), _value(row, "id")


def _read_nearest(cursor):
    """(metres, id, rows listed before) of a signed nearest-first cursor: only this site writes
    them, so only their shape is checked (one from another kind of list is damaged)."""
    data = _decode(cursor)
    if len(data) != 4 or data[0] != NEAREST_CURSOR:
        raise damaged()
    return float(data[1]), data[2], data[3]


def _value(row, name):
    return row[name] if isinstance(row, dict) else getattr(row, name)


def _metres(row) -> float:
    return metres(_value(row, "distance"))


def metres(distance) -> float:
    """A row's `distance` in metres: a Distance from the ORM, a number from a NearestStatement."""
    return distance if isinstance(distance, float) else distance.m


class NearestStatement:
    """A nearest_first() values() queryset compiled once, to be run around other points.

    The point is found among the compiled parameters (the distance and the index's order use it)
    and replaced; everything else runs as compiled, so the queryset must hold nothing that
    changes between runs but its point (the caller keys statements by everything else that went
    into the queryset, the day included). Rows are dicts by the columns' names, `distance` in
    metres."""

    def __init__(self, queryset, point):
        if queryset.query.low_mark or queryset.query.high_mark:
            raise ValueError("a NearestStatement is compiled from an unsliced queryset")
        sql, params = queryset.query.sql_with_params()
        marker = PostGISAdapter(point).ewkb
        self.points = [
            (i, p.geography)
            for i, p in enumerate(params)
            if isinstance(p, PostGISAdapter) and p.ewkb == marker
        ]
        if len(self.points) != 2:
            raise ValueError("the queryset does not order by distance from the point")
        self.sql, self.params = sql, list(params)

    def around(self, point):
        """A function of n: the first n rows nearest the point (for nearest_page)."""
        params = list(self.params)
        for i, geography in self.points:
            params[i] = PostGISAdapter(point, geography=geography)

        def first(n):
            with bound_cursor(read_connection()) as cursor:
                # The limit written in: with it, PostgreSQL's plan for any point (generic) costs
                # what a plan for one point does, and it is kept rather than made again.
                cursor.execute(f"{self.sql} LIMIT {int(n)}", params)
                names = [column.name for column in cursor.description]
                return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

        return first


class Statements:
    """A process's compiled statements by key, at most `size`, the oldest forgotten first."""

    def __init__(self, size: int):
        self.size, self.kept, self.lock = size, {}, threading.Lock()

    def get(self, key, make):
        statement = self.kept.get(key)
        if statement is None:
            statement = make()
            with self.lock:  # threaded workers
                self.kept[key] = statement
                while len(self.kept) > self.size:
                    del self.kept[next(iter(self.kept))]
        return statement


def _encode(data) -> str:
    return signing.dumps(data, salt=SALT, compress=True)


def _decode(cursor: str):
    """The cursor's values; only cursors this site wrote are read (signed: a cursor made by hand
    could start a radius search deep down, or carry text PostgreSQL refuses)."""
    if not isinstance(cursor, str) or len(cursor) > MAX_CURSOR:
        raise damaged()
    try:
        data = signing.loads(cursor, salt=SALT)
    except (signing.BadSignature, ValueError):
        raise damaged() from None
    if not isinstance(data, list):
        raise damaged()
    return data
