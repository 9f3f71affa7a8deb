""" "For you": the published opportunities a volunteer could do, best first, each with its reasons.

Candidates come from three index-backed reads, so the cost does not grow with the country's total:
the nearest opportunities that share a cause or a skill, the nearest of any kind (both in the
geography index's nearest-first order), and the newest remote ones that share a cause or a skill.
Those within the travel radius (true distance) or remote are scored on cause and skill overlap,
shift times against the volunteer's availability, and distance, all in one statement: no
per-candidate Python (it was most of a request's time at a million opportunities).
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.db import connection
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from opportunities.models import Opportunity
from opportunities.taxonomy import Cause, Mode, Skill
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


def candidate_ids(profile):
    """The three candidate reads as one UNION of index-backed, sliced queries (ids only), or
    None when the volunteer has neither a home nor causes nor skills."""
    published = Opportunity.objects.published()
    shared = Q(causes__overlap=profile.causes) | Q(skills__overlap=profile.skills)
    parts = []
    if profile.home is not None:
        nearby = published.exclude(location=None).exclude(mode=Mode.REMOTE)
        if profile.causes or profile.skills:
            parts.append(nearby.filter(shared).nearest_first(profile.home)[:NEAR_SHARED])
        parts.append(nearby.nearest_first(profile.home)[:NEAR_ANY])
    if profile.causes or profile.skills:
        parts.append(
            published.filter(shared, mode__in=[Mode.REMOTE, Mode.HYBRID]).order_by("-published_at")[
                :REMOTE
            ]
        )
    if not parts:
        return None
    parts = [part.values_list("pk") for part in parts]
    return parts[0].union(*parts[1:]) if len(parts) > 1 else parts[0]


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
# near ones), then by id.
SCORED = """
WITH candidate AS ({candidates}),
reasoned AS MATERIALIZED (
    SELECT o.id, o.mode,
           ST_Distance(o.location, %(home)s::geography) AS metres,
           ARRAY(SELECT c FROM unnest(o.causes) WITH ORDINALITY AS u(c, i)
                 WHERE c = ANY(%(causes)s) ORDER BY i) AS causes,
           ARRAY(SELECT k FROM unnest(o.skills) WITH ORDINALITY AS u(k, i)
                 WHERE k = ANY(%(skills)s) ORDER BY i) AS skills,
           ARRAY(SELECT slot
                 FROM (SELECT DISTINCT {slot} AS slot
                       FROM opportunities_shift s
                       WHERE s.opportunity_id = o.id
                         AND s.starts_at >= %(now)s AND s.starts_at < %(horizon)s) starts
                 WHERE slot = ANY(%(available)s)
                 ORDER BY array_position(%(slots)s, slot)) AS slots
    FROM opportunities_opportunity o
    WHERE o.id IN (SELECT * FROM candidate)
),
reached AS (
    SELECT id, CASE WHEN metres <= %(radius_m)s THEN metres END AS metres, causes, skills, slots
    FROM reasoned
    WHERE metres <= %(radius_m)s OR mode <> 'onsite'
),
scored AS (
    SELECT *, round((
        %(cause)s * cardinality(causes) + %(skill)s * cardinality(skills)
        + %(when)s * (cardinality(slots) > 0)::int
        + %(near)s * CASE WHEN metres IS NULL THEN 0.5 ELSE 1 - metres / %(radius_m)s END
    )::numeric, 3) AS score
    FROM reached
)
SELECT id, score::float, round((metres / 1000)::numeric, 1)::float, causes, skills, slots
FROM scored
ORDER BY score DESC, coalesce(round((metres / 1000)::numeric, 1), %(far)s), id
LIMIT %(limit)s
"""


def matches_for(profile, limit=20) -> list[Match]:
    """The best `limit` opportunities for the volunteer (a Volunteer profile), best first: the
    candidates scored and ranked in the database; only the best are read whole."""
    candidates = candidate_ids(profile)
    if candidates is None:
        return []
    union, union_params = candidates.query.sql_with_params()
    named = {f"c{i}": value for i, value in enumerate(union_params)}
    now = timezone.now()
    params = {
        **named,
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
        **{name: weight for name, weight in WEIGHTS.items()},
    }
    statement = SCORED.format(
        candidates=union % tuple(f"%({name})s" for name in named), slot=_slot_sql("s.starts_at")
    )
    with connection.cursor() as cursor:  # JIT off (mapsite.settings): it took 55 ms to compile
        cursor.execute(statement, params)
        best = [
            Match(pk, score, km, causes, skills, slots)
            for pk, score, km, causes, skills, slots in cursor.fetchall()
        ]
    chosen = [m.opportunity for m in best]
    shown = ("title", "title_en", "mode", "organization__name_th", "organization__name_en")
    whole = Opportunity.objects.select_related("organization").only(*shown).in_bulk(chosen)
    signed_up = set(
        SignUp.objects.active()
        .filter(volunteer_id=profile.user_id, shift__opportunity_id__in=chosen)
        .values_list("shift__opportunity_id", flat=True)
    )
    for m in best:
        m.signed_up = m.opportunity in signed_up
        m.opportunity = whole[m.opportunity]
    return best
