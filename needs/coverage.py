"""Coverage: where help is needed and nobody is near.

Two halves. The help around each area (opportunities in it and within NEAR_KM of its point, the
nearest one, free places on coming shifts, volunteers whose travel radius reaches it) is costly,
so `refresh` precomputes it into AreaHelp: the whole country, or incrementally only the areas
near what changed (CoverageDirty, written by needs.signals). The needs are cheap to count, so they
are counted live for each request, with its filters (incident, category, since).

The gap score: the urgency-weighted open needs of an area (critical 4 … low 1) divided by one plus
the help near it (opportunities within NEAR_KM, plus one for every five volunteers). 0 when
nothing is needed. Volunteer counts of 1 to 4 are never shown (k-anonymity); they count as 0.
"""

import functools
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import NamedTuple

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import get_language, ngettext, trans_real
from django.utils.translation import gettext as _

from needs import sql
from needs.models import AreaHelp, CoverageDirty, HelpChange
from places.models import Area

NEAR_KM = 20
NEAR_CAP = 20  # "20+ opportunities within 20 km": enough to tell a gap
NEAREST_WITHIN_KM = 100  # "nearest opportunity" is looked for this far, and no farther
K_ANONYMITY = 5
FULL_ABOVE = 100  # more changed places than this: recompute everything
FULL_SHARE = 0.4  # the changes reach more of the areas than this: recompute everything
LEVEL_DIGITS = {"province": 2, "amphoe": 4, "tambon": 6}
NEED_REACH_KM = 200  # a need's nearest help is kept this far: the uncovered list's widest radius
SHORTEST_KM = 1  # the uncovered list's shortest radius
# The refresh looks around each change for the needs whose nearest help is this near; the few
# whose help is farther look for a change as far as their help.
CHANGES_SEARCH_KM = 5
NEED_BATCH = 10_000  # needs whose nearest help one refresh finds (about 3 s at a million)
PHRASES_KEPT = 20_000  # phrases of the explanations a process keeps per language
ROWS_KEPT = 20_000  # coverage rows a process keeps (every area in two languages), 1 KB each


@dataclass
class Refresh:
    mode: str  # "full", "incremental" or "nothing" (the areas' help)
    areas: int
    seconds: float
    needs: int = 0  # needs whose nearest help was found (the open ones first)
    needs_left: int = 0  # needs still without it (the next runs find it)


def mark_changed(point, reach_km=NEAREST_WITHIN_KM):
    """Help changed at this point: the areas within reach_km of it are to be recomputed (an
    opportunity can be the nearest of areas up to NEAREST_WITHIN_KM away; a volunteer counts
    for the areas within their travel radius)."""
    if point is not None:
        CoverageDirty.objects.create(point=point, radius_km=reach_km)


def mark_everything():
    CoverageDirty.objects.create(point=None)


def refresh(full=False, need_batch=NEED_BATCH) -> Refresh:
    """Recompute the help around the areas near what changed, or all of them; forget the needs'
    nearest help where better may have come (HelpChange), and find it for up to need_batch needs
    without it (what was withdrawn or moved is forgotten as it is written:
    needs.sql.NEED_HELP_TRIGGERS)."""
    started = time.perf_counter()
    upto = CoverageDirty.objects.aggregate(upto=Max("id"))["upto"] or 0
    dirty = CoverageDirty.objects.filter(id__lte=upto)
    changes = list(HelpChange.objects.values_list("id", flat=True))
    if not full:
        full = (
            not AreaHelp.objects.exists()
            or dirty.filter(point=None).exists()
            or dirty.count() > FULL_ABOVE
        )
    mode, areas = "nothing", 0
    params = {
        "today": timezone.localdate(),
        "near_km": NEAR_KM,
        "near_cap": NEAR_CAP,
        "reach_km": NEAREST_WITHIN_KM,
        "reach_m": NEED_REACH_KM * 1000,
        "dirty_upto": upto,
        "changes": changes,
        "shortest_m": SHORTEST_KM * 1000,
        "close_m": CHANGES_SEARCH_KM * 1000,
        "batch": need_batch,
    }
    with transaction.atomic(), connection.cursor() as cursor:
        if full or upto:
            full, areas = _areas_help(cursor, full, params)
            mode = "full" if full else "incremental"
        if HelpChange.objects.filter(id__in=changes, point=None).exists():
            cursor.execute(sql.NEED_HELP_BEYOND, params)
        elif changes:
            cursor.execute(sql.NEED_HELP_NEAR_CHANGES, params)
            cursor.execute(sql.NEED_HELP_FAR_NEAR_CHANGES, params)
        cursor.execute(sql.NEED_HELP_MISSING, params)
        needs = cursor.rowcount
        cursor.execute(sql.NEEDS_WITHOUT_HELP)
        left = cursor.fetchone()[0]
        dirty.delete()
        HelpChange.objects.filter(id__in=changes).delete()
    return Refresh(mode, areas, time.perf_counter() - started, needs, left)


def _areas_help(cursor, full, params) -> tuple[bool, int]:
    """AreaHelp for the areas near the dirty places, or for every area (also when those are
    many): (whether every area was, how many areas)."""
    cursor.execute(sql.DROP)
    if not full:
        cursor.execute(sql.AREAS_NEAR_DIRTY, params)
        cursor.execute("SELECT count(*) FROM coverage_area")
        # Past a share of the country, the whole is cheaper than the parts.
        full = cursor.fetchone()[0] > FULL_SHARE * Area.objects.exclude(point=None).count()
        if full:
            cursor.execute(sql.DROP)
    if full:
        cursor.execute(sql.AREAS_ALL)
    cursor.execute(sql.AREAS_INDEX)
    cursor.execute(sql.PUBLISHED_ALL if full else sql.PUBLISHED_NEAR, params)
    cursor.execute(sql.COUNTS)
    cursor.execute(sql.HELP, params)
    cursor.execute("SELECT count(*) FROM coverage_help")
    areas = cursor.fetchone()[0]
    cursor.execute(sql.SAVE)
    cursor.execute(sql.DROP)
    return full, areas


def version() -> str:
    """The counters of what coverage answers are read from (CoverageVersion), as one text: an
    answer built after reading them is at least as new as they say."""
    with connection.cursor() as cursor:
        cursor.execute(sql.READ_COVERAGE_VERSION)
        return cursor.fetchone()[0]


def volunteers_shown(n: int) -> int | None:
    """A count of volunteers as it may be shown: None for 1 to 4 (too few to hide anyone)."""
    return n if n == 0 or n >= K_ANONYMITY else None


def gap_score(weight: int, opportunities_near: int, volunteers: int | None) -> float:
    if not weight:
        return 0.0
    return round(weight / (1 + opportunities_near + (volunteers or 0) / K_ANONYMITY), 1)


class Words:
    """The phrases of the explanations in one language, each said once: thousands of areas are
    explained with a handful of messages and small numbers (gettext and ngettext named as
    Django's, so that makemessages finds the messages). The language's catalog is found once:
    Django's functions look for it through a context-local on every call, which was a third of a
    tambon answer's Python."""

    def __init__(self, language):
        self._catalog = trans_real.translation(language) if language else None
        self._said = {}

    @classmethod
    @functools.cache
    def of(cls, language) -> "Words":
        """The phrases of a language, kept by the process (at most PHRASES_KEPT)."""
        return cls(language)

    def _keep(self, key, said):
        if len(self._said) >= PHRASES_KEPT:
            self._said.clear()
        self._said[key] = said
        return said

    def gettext(self, message, **values):
        key = (message, *values.values())
        if (said := self._said.get(key)) is None:
            text = self._catalog.gettext(message) if self._catalog else _(message)
            said = self._keep(key, text % values)
        return said

    def ngettext(self, singular, plural, count, **values):
        """values["n"], when given, is what is shown for the count (e.g. "20+")."""
        key = (singular, count, *values.values())
        if (said := self._said.get(key)) is None:
            if self._catalog:
                text = self._catalog.ngettext(singular, plural, count)
            else:
                text = ngettext(singular, plural, count)
            said = self._keep(key, text % {"n": count, **values})
        return said


def explain(row: dict, words: Words) -> str:
    """e.g. "12 open needs (3 critical), 0 opportunities within 20 km, nearest 34 km away"."""
    parts = [words.ngettext("%(n)d open need", "%(n)d open needs", row["needs"])]
    if row["critical"]:
        parts[0] += " " + words.gettext("(%(n)d critical)", n=row["critical"])
    near = row["opportunities_near"]
    parts.append(
        words.ngettext(
            "%(n)s opportunity within %(km)d km",
            "%(n)s opportunities within %(km)d km",
            near,
            n=f"{near}+" if near >= NEAR_CAP else str(near),
            km=NEAR_KM,
        )
    )
    if not near:
        if row["nearest_km"] is None:
            parts.append(words.gettext("none within %(km)d km", km=NEAREST_WITHIN_KM))
        else:
            parts.append(words.gettext("nearest %(km).0f km away", km=round(row["nearest_km"])))
    parts.append(words.ngettext("%(n)d free place", "%(n)d free places", row["free_places"]))
    if row["volunteers"] is None:
        parts.append(words.gettext("fewer than %(k)d volunteers", k=K_ANONYMITY))
    else:
        parts.append(words.ngettext("%(n)d volunteer", "%(n)d volunteers", row["volunteers"]))
    return ", ".join(parts)


class Place(NamedTuple):
    """An area as a coverage row shows it: read as plain values with the row, never as a model
    (7,000 tambons as Area objects with their parents cost most of a request)."""

    code: str
    level: str
    name_th: str
    name_en: str
    parent_th: str | None  # the province of an amphoe, the amphoe of a tambon
    lon: float | None
    lat: float | None


def coverage(level="tambon", *, incident=None, category=None, since=None, every_area=False):
    """One row per area of the level: the live needs (filtered) beside the precomputed help,
    gap score first. Only areas with open needs unless every_area. One statement."""
    language = get_language()
    found = coverage_found(
        level, incident=incident, category=category, since=since, every_area=every_area
    )
    return sorted((kept_row(values, language) for values in found), key=gap_order)


def coverage_found(level, *, incident=None, category=None, since=None, every_area=False):
    """The coverage rows of one level as read, a tuple of plain values per area (row() makes one
    a row): what a row shows is all in its tuple, so an unchanged tuple is an unchanged row."""
    filters, params = [], {"digits": LEVEL_DIGITS[level], "level": level}
    if incident:
        filters.append("AND n.incident_id = %(incident)s")
        params["incident"] = incident
    if category:
        filters.append("AND n.category = %(category)s")
        params["category"] = category
    if since:
        filters.append("AND n.created_at >= %(since)s")
        params["since"] = since
    statement = sql.COVERAGE_ROWS.format(
        needs=sql.NEEDS_BY_AREA.format(filters=" ".join(filters))
        if filters
        else sql.NEEDS_COUNTED_BY_AREA,
        join="LEFT JOIN" if every_area else "JOIN",
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall()


def row(found: tuple, words: Words) -> dict:
    """One area's coverage row from its values as read (coverage_found)."""
    (count, critical, people, weight, within, near, nearest, free, people_near,
     computed_at) = found[7:]  # fmt: skip
    volunteers = volunteers_shown(people_near or 0)
    row = {
        "area": Place._make(found[:7]),
        "needs": count or 0,
        "critical": critical or 0,
        "people": people or 0,
        "weight": weight or 0,
        "opportunities_in": within or 0,
        "opportunities_near": near or 0,
        "nearest_km": nearest,
        "free_places": free or 0,
        "volunteers": volunteers,
        "computed_at": computed_at and _utc(computed_at),
    }
    row["gap"] = gap_score(row["weight"], row["opportunities_near"], volunteers)
    row["explanation"] = explain(row, words)
    return row


@functools.lru_cache(maxsize=ROWS_KEPT)
def kept_row(found: tuple, language: str | None) -> dict:
    """row(), kept by each process for what it is made of (all in the arguments): after a need
    changed, one area's row of 7,000 is made again. Shared by the answers: read, never changed."""
    return row(found, Words.of(language))


def gap_order(row: dict) -> tuple:
    """The order of coverage rows: the widest gap first, then the most urgent needs."""
    return (-row["gap"], -row["weight"], row["area"].code)


@functools.lru_cache(maxsize=64)  # the help is computed at a few times (a refresh's each)
def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)
