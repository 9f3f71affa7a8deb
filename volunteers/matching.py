""" "For you": the published opportunities a volunteer could do, best first, each with its reasons.

Candidates come from three index-backed reads, so the cost does not grow with the country's total:
the nearest opportunities that share a cause or a skill, the nearest of any kind (both in the
geography index's nearest-first order), and the newest remote ones that share a cause or a skill.
Those within the travel radius (true distance) or remote are scored on cause and skill overlap,
shift times against the volunteer's availability, and distance.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import FloatField, Func, Q, Value
from django.db.models.functions import Cast, Trunc
from django.utils import timezone
from django.utils.translation import gettext as _

from opportunities.models import Opportunity, Shift
from opportunities.taxonomy import Cause, Mode, Skill
from volunteers.models import SLOTS, SignUp, slot_of

NEAR_SHARED = 300  # nearest candidates sharing a cause or a skill
NEAR_ANY = 100  # nearest candidates of any kind
REMOTE = 100  # newest remote candidates sharing a cause or a skill
SHIFT_HORIZON = timedelta(days=90)
WEIGHTS = {"cause": 3.0, "skill": 2.0, "when": 2.0, "near": 1.0}
SLOT_LABELS = dict(SLOTS)
WEEKEND = {"sat", "sun"}


@dataclass
class Match:
    opportunity: Opportunity  # its id while the candidates are scored
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


def _candidate_ids(profile) -> set[int]:
    published = Opportunity.objects.published()
    shared = Q(causes__overlap=profile.causes) | Q(skills__overlap=profile.skills)
    ids = set()
    if profile.home is not None:
        nearby = published.exclude(location=None).exclude(mode=Mode.REMOTE)
        if profile.causes or profile.skills:
            ids.update(
                nearby.filter(shared)
                .nearest_first(profile.home)
                .values_list("pk", flat=True)[:NEAR_SHARED]
            )
        ids.update(nearby.nearest_first(profile.home).values_list("pk", flat=True)[:NEAR_ANY])
    if profile.causes or profile.skills:
        ids.update(
            published.filter(shared, mode__in=[Mode.REMOTE, Mode.HYBRID])
            .order_by("-published_at")
            .values_list("pk", flat=True)[:REMOTE]
        )
    return ids


def _upcoming_slots(ids) -> dict[int, set[str]]:
    """{opportunity: the slots its shifts in the next 90 days start in}, from the distinct
    (weekday, hour) of their starts in Bangkok time."""
    now = timezone.now()
    local = Trunc("starts_at", "hour", tzinfo=timezone.get_current_timezone())
    starts = (
        Shift.objects.filter(
            opportunity_id__in=ids, starts_at__gte=now, starts_at__lt=now + SHIFT_HORIZON
        )
        .annotate(hour=local)
        .values_list("opportunity_id", "hour")
        .distinct()
    )
    slots = {}
    for opportunity_id, hour in starts:
        slot = slot_of(hour)
        if slot:
            slots.setdefault(opportunity_id, set()).add(slot)
    return slots


def matches_for(profile, limit=20) -> list[Match]:
    """The best `limit` opportunities for the volunteer (a Volunteer profile), best first. The
    candidates are scored on a few columns; only the best are read whole."""
    ids = _candidate_ids(profile)
    if not ids:
        return []
    columns = Opportunity.objects.filter(pk__in=ids).order_by()
    if profile.home is not None:  # metres on the spheroid, as a plain number
        home = Func(Value(profile.home.ewkt), function="ST_GeogFromText")
        metres = Func("location", home, function="ST_Distance")
        columns = columns.annotate(distance=Cast(metres, FloatField()))
    else:
        columns = columns.annotate(distance=Value(None, output_field=FloatField()))
    slots = _upcoming_slots(ids)
    available = set(profile.availability)
    radius_m = profile.travel_radius_km * 1000
    order = list(SLOT_LABELS).index
    matches = []
    for pk, mode, causes, skills, distance in columns.values_list(
        "pk", "mode", "causes", "skills", "distance"
    ):
        metres = distance
        if metres is None or metres > radius_m:
            if mode == Mode.ONSITE:
                continue  # out of reach
            metres = None  # done remotely
        fitting = sorted(slots.get(pk, set()) & available, key=order)
        causes = [c for c in causes if c in profile.causes]
        skills = [s for s in skills if s in profile.skills]
        nearness = 0.5 if metres is None else 1 - metres / radius_m
        score = (
            WEIGHTS["cause"] * len(causes)
            + WEIGHTS["skill"] * len(skills)
            + WEIGHTS["when"] * bool(fitting)
            + WEIGHTS["near"] * nearness
        )
        matches.append(
            Match(
                opportunity=pk,
                score=round(score, 3),
                distance_km=None if metres is None else round(metres / 1000, 1),
                causes=causes,
                skills=skills,
                slots=fitting,
            )
        )
    far = float(profile.travel_radius_km)  # remote ones sort after the near ones at equal score
    matches.sort(
        key=lambda m: (-m.score, far if m.distance_km is None else m.distance_km, m.opportunity)
    )
    best = matches[:limit]
    chosen = [m.opportunity for m in best]
    whole = Opportunity.objects.select_related("organization").in_bulk(chosen)
    signed_up = set(
        SignUp.objects.active()
        .filter(volunteer_id=profile.user_id, shift__opportunity_id__in=chosen)
        .values_list("shift__opportunity_id", flat=True)
    )
    for m in best:
        m.signed_up = m.opportunity in signed_up
        m.opportunity = whole[m.opportunity]
    return best
