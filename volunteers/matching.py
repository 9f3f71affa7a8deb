""" "For you": the published opportunities a volunteer could do, best first, each with its reasons.

Candidates come from three index-backed reads, so the cost does not grow with the country's total:
the nearest opportunities that share a cause or a skill, the nearest of any kind (both nearest
first on the plane of degrees, a pool rather than an exact order: about_nearest_first), and the
newest remote ones that share a cause or a skill.
Those within the travel radius (true distance) or remote are scored on cause and skill overlap,
shift times against the volunteer's availability, and distance, all in one statement: no
per-candidate Python (it was most of a request's time at a million opportunities).
"""

import functools
from dataclasses import dataclass, field
from datetime import timedelta
from types import SimpleNamespace

from django.contrib.gis.db.backends.postgis.adapter import PostGISAdapter
from django.contrib.gis.geos import Point
from django.db import connection
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from common.cursors import bound_cursor
from opportunities.models import Opportunity
from opportunities.taxonomy import Cause, Mode, Skill
from places.models import Organization
from volunteers.models import DAY_PARTS, SLOTS, WEEKDAYS, SignUp

NEAR_SHARED = 300  # nearest candidates sharing a cause or a skill
NEAR_ANY = 100  # nearest candidates of any kind
REMOTE = 100  # newest remote candidates sharing a cause or a skill
SHIFT_HORIZON = timedelta(days=90)
WEIGHTS = {"cause": 3.0, "skill": 2.0, "when": 2.0, "near": 1.0}
SLOT_LABELS = dict(SLOTS)
WEEKEND = {"sat", "sun"}


@dataclass
class Match:
    opportunity: Opportunity  # what a list of matches shows of it (title, mode, organization)
    score: float
    distance_km: float | None  # None: done remotely
    causes: list[str] = field(default_factory=list)
    skills: list[str] = field(default_factory=list)
    slots: list[str] = field(default_factory=list)  # the volunteer's slots its shifts fall in
    signed_up: bool = False

    @property
    def explanation(self) -> str:
        """e.g. "3.2 km · teaching and tutoring · weekends"."""
        parts = [
            _("remote")
            if self.distance_km is None
            else _("%(km)s km") % {"km": f"{self.distance_km:.1f}"},
            *[str(Cause(c).label) for c in self.causes[:2]],
            *[str(Skill(s).label) for s in self.skills[:2]],
        ]
        if self.slots:
            if {s.split("_")[0] for s in self.slots} <= WEEKEND:
                parts.append(_("weekends"))
            else:
                parts.append(str(SLOT_LABELS[self.slots[0]]))
        return " · ".join(parts)


def candidates(profile):
    """The three candidate reads as one UNION ALL of index-backed, sliced queries, each row what
    scoring reads (id, mode, location, causes, skills; one found by two reads comes twice), or
    None when the volunteer has neither a home nor causes nor skills."""
    published = Opportunity.objects.published()
    shared = Q(causes__overlap=profile.causes) | Q(skills__overlap=profile.skills)
    parts = []
    if profile.home is not None:
        nearby = published.exclude(location=None).exclude(mode=Mode.REMOTE)
        if profile.causes or profile.skills:
            parts.append(nearby.filter(shared).about_nearest_first(profile.home)[:NEAR_SHARED])
        parts.append(nearby.about_nearest_first(profile.home)[:NEAR_ANY])
    if profile.causes or profile.skills:
        parts.append(
            published.filter(shared, mode__in=[Mode.REMOTE, Mode.HYBRID]).order_by("-published_at")[
                :REMOTE
            ]
        )
    if not parts:
        return None
    parts = [part.values_list("pk", "mode", "location", "causes", "skills") for part in parts]
    return parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]


def _slot_sql(column):
    """The slot (as volunteers.models.SLOTS names it) a timestamp falls in, in the site's time
    zone (Bangkok), from the same constants (DAY_PARTS, WEEKDAYS); NULL at night."""
    local = f"({column} AT TIME ZONE '{timezone.get_current_timezone_name()}')"
    days = ", ".join(f"'{day}'" for day in WEEKDAYS)  # ISO day 1 is Monday, as WEEKDAYS
    parts = " ".join(
        f"WHEN extract(hour FROM {local}) >= {start} AND extract(hour FROM {local}) < {end}"
        f" THEN '{part}'"
        for part, (start, end) in DAY_PARTS.items()
    )
    return f"(ARRAY[{days}])[extract(isodow FROM {local})::int] || '_' || CASE {parts} END"


# The candidates scored and ranked in one statement: reasons (the volunteer's causes and skills
# the opportunity has, in its order; the volunteer's slots its shifts in the next 90 days start
# in, in the week's order), reach (true distance within the travel radius, or done remotely) and
# the score, as WEIGHTS says; the best first, nearer first at equal score (remote ones after the
# near ones), then by id. Shift times can add only WEIGHTS["when"] to a score, so they are read
# only for the contenders: candidates whose score with that added reaches the `limit`-th best
# score without it (read for every candidate they cost ~4 ms a call). The best are read whole
# (title, organization) with whether the volunteer has signed up, in the same statement.
SCORED = """
WITH candidate (id, mode, location, causes, skills) AS ({candidates}),
reasoned AS MATERIALIZED (
    SELECT o.id, o.mode,
           ST_Distance(o.location, %(home)s::geography) AS metres,
           ARRAY(SELECT c FROM unnest(o.causes) WITH ORDINALITY AS u(c, i)
                 WHERE c = ANY(%(causes)s) ORDER BY i) AS causes,
           ARRAY(SELECT k FROM unnest(o.skills) WITH ORDINALITY AS u(k, i)
                 WHERE k = ANY(%(skills)s) ORDER BY i) AS skills
    FROM (SELECT DISTINCT ON (id) * FROM candidate) o
),
reached AS MATERIALIZED (
    SELECT *, %(cause)s * cardinality(causes) + %(skill)s * cardinality(skills)
              + %(near)s * CASE WHEN metres IS NULL THEN 0.5 ELSE 1 - metres / %(radius_m)s END
              AS base
    FROM (SELECT id, CASE WHEN metres <= %(radius_m)s THEN metres END AS metres, causes, skills
          FROM reasoned
          WHERE metres <= %(radius_m)s OR mode <> 'onsite') r
),
bar AS (
    SELECT round(base::numeric, 3) AS score FROM reached ORDER BY base DESC
    OFFSET %(limit)s - 1 LIMIT 1
),
contender AS MATERIALIZED (
    SELECT *,
           ARRAY(SELECT slot
                 FROM (SELECT DISTINCT {slot} AS slot
                       FROM opportunities_shift s
                       WHERE s.opportunity_id = c.id
                         AND s.starts_at >= %(now)s AND s.starts_at < %(horizon)s) starts
                 WHERE slot = ANY(%(available)s)
                 ORDER BY array_position(%(slots)s, slot)) AS slots
    FROM reached c
    WHERE round((base + %(when)s)::numeric, 3) >= ALL (SELECT score FROM bar)
),
scored AS (
    SELECT *, round((base + %(when)s * (cardinality(slots) > 0)::int)::numeric, 3) AS score
    FROM contender
),
best AS (
    SELECT id, score, round((metres / 1000)::numeric, 1) AS km, causes, skills, slots
    FROM scored
    ORDER BY score DESC, coalesce(round((metres / 1000)::numeric, 1), %(far)s), id
    LIMIT %(limit)s
)
SELECT b.id, b.score::float, b.km::float, b.causes, b.skills, b.slots,
       o.title, o.title_en, o.mode, o.organization_id, g.name_th, g.name_en,
       EXISTS (SELECT FROM ({signed_up}) s(volunteer_id, opportunity_id)
               WHERE s.volunteer_id = %(volunteer)s AND s.opportunity_id = b.id)
FROM best b
JOIN opportunities_opportunity o ON o.id = b.id
JOIN places_organization g ON g.id = o.organization_id
ORDER BY b.score DESC, coalesce(b.km, %(far)s), b.id
"""

# Stand-ins for a volunteer's own values while the candidate reads are compiled (once for each
# shape of profile and day, `_compiled`), found again among the compiled parameters and replaced
# by each volunteer's: compiling the three querysets cost 4 ms of a call's Python.
STAND_IN_HOME = Point(0.123456789, 0.987654321, srid=4326)
STAND_IN = "\x00stand-in:"


@functools.lru_cache(maxsize=256)
def _compiled(day, has_home, causes, skills):
    """The statement for profiles with (or without) a home and this many causes and skills, on
    this day (the published ones are those not past on it), and its compiled parameters, each
    (name, source, value): a constant, or where the volunteer's goes ("home", its geography
    flag), ("causes", i), ("skills", i). None when such a profile has no candidates."""
    stand_in = SimpleNamespace(
        home=STAND_IN_HOME if has_home else None,
        causes=[f"{STAND_IN}causes:{i}" for i in range(causes)],
        skills=[f"{STAND_IN}skills:{i}" for i in range(skills)],
    )
    reads = candidates(stand_in)
    if reads is None:
        return None
    union, union_params = reads.query.sql_with_params()
    signed_up, signed_up_params = (
        SignUp.objects.active()
        .order_by()
        .values_list("volunteer_id", "shift__opportunity_id")
        .query
    ).sql_with_params()
    home = PostGISAdapter(STAND_IN_HOME).ewkb
    parameters = []
    for i, value in enumerate(union_params):
        if isinstance(value, PostGISAdapter) and value.ewkb == home:
            parameters.append((f"c{i}", "home", value.geography))
        elif isinstance(value, str) and value.startswith(STAND_IN):
            source, index = value.removeprefix(STAND_IN).split(":")
            parameters.append((f"c{i}", source, int(index)))
        else:
            parameters.append((f"c{i}", "constant", value))
    parameters += [(f"s{i}", "constant", value) for i, value in enumerate(signed_up_params)]
    statement = SCORED.format(
        candidates=union % tuple(f"%(c{i})s" for i in range(len(union_params))),
        slot=_slot_sql("s.starts_at"),
        signed_up=signed_up % tuple(f"%(s{i})s" for i in range(len(signed_up_params))),
    )
    return statement, parameters


def matches_for(profile, limit=20) -> list[Match]:
    """The best `limit` opportunities for the volunteer (a Volunteer profile), best first: the
    candidates scored and ranked, and the best read whole, in one statement."""
    compiled = _compiled(
        timezone.localdate(), profile.home is not None, len(profile.causes), len(profile.skills)
    )
    if compiled is None:
        return []
    statement, parameters = compiled
    own = {"causes": profile.causes, "skills": profile.skills}
    params = {}
    for name, source, value in parameters:
        if source == "constant":
            params[name] = value
        elif source == "home":
            params[name] = PostGISAdapter(profile.home, geography=value)
        else:
            params[name] = own[source][value]
    now = timezone.now()
    params.update(
        {
            "now": now,
            "horizon": now + SHIFT_HORIZON,
            "radius_m": profile.travel_radius_km * 1000.0,
            "causes": list(profile.causes),
            "skills": list(profile.skills),
            "available": list(profile.availability),
            "slots": list(SLOT_LABELS),
            "home": profile.home.ewkt if profile.home is not None else None,
            "far": float(profile.travel_radius_km),
            "limit": limit,
            "volunteer": profile.user_id,
            **{name: weight for name, weight in WEIGHTS.items()},
        }
    )
    # Parameters apart from the SQL: psycopg prepares the statement once it recurs on a
    # connection, and PostgreSQL parses it once (0.6 ms a call). It is still planned for each
    # volunteer: a generic plan cannot use the partial indexes. JIT off (mapsite.settings): it
    # took 55 ms to compile.
    with bound_cursor(connection) as cursor:
        cursor.execute(statement, params)
        rows = cursor.fetchall()
    matches = []
    for pk, score, km, causes, skills, slots, title, title_en, mode, by, th, en, signed_up in rows:
        opportunity = _loaded(
            Opportunity, id=pk, title=title, title_en=title_en, mode=mode, organization_id=by
        )
        opportunity.organization = _loaded(Organization, id=by, name_th=th, name_en=en)
        matches.append(Match(opportunity, score, km, causes, skills, slots, signed_up))
    return matches


def _loaded(model, **columns):
    """An instance from some of its columns, as .only() loads one (the others deferred)."""
    names = [f.attname for f in model._meta.concrete_fields if f.attname in columns]
    return model.from_db(connection.alias, names, [columns[name] for name in names])
