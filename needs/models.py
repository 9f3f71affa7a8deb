"""Needs (a place needing help), incidents (a disaster with its area, needs and opportunities),
and the help around each administrative area that coverage reads (needs.coverage)."""

from django.conf import settings
from django.contrib.gis.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Length
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.pages import Keyset
from common.validators import plausible_date, thai_phone
from opportunities.models import Opportunity
from opportunities.taxonomy import Cause
from places.models import Area, Located, LocatedQuerySet, Organization


class DisasterNeed(models.TextChoices):
    RESCUE = "rescue", _("rescue")
    EVACUATION = "evacuation", _("evacuation")
    FOOD_WATER = "food_water", _("food and water")
    SHELTER = "shelter", _("shelter")
    MEDICAL = "medical", _("medical care")
    CLEANUP = "cleanup", _("cleanup")
    SUPPLIES = "supplies", _("supplies")
    REPAIRS = "repairs", _("repairs")


# The cause taxonomy and the disaster needs, one list.
CATEGORIES = [*DisasterNeed.choices, *Cause.choices]


class Urgency(models.IntegerChoices):
    CRITICAL = 4, _("critical: lives at risk")
    HIGH = 3, _("high")
    MEDIUM = 2, _("medium")
    LOW = 1, _("low")


class NeedStatus(models.TextChoices):
    OPEN = "open", _("open")
    ASSIGNED = "assigned", _("assigned")
    RESOLVED = "resolved", _("resolved")


class IncidentQuerySet(models.QuerySet):
    def active(self, day=None):
        day = day or timezone.localdate()
        return self.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=day), starts_on__lte=day)

    def in_disaster_mode(self):
        """The incident the public map puts first, if any."""
        return self.active().filter(disaster_mode=True).first()


class Incident(models.Model):
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    starts_on = models.DateField(
        _("starts on"), default=timezone.localdate, validators=[plausible_date]
    )
    ends_on = models.DateField(
        _("ends on"),
        null=True,
        blank=True,
        help_text=_("empty: ongoing"),
        validators=[plausible_date],
    )
    affected_area = models.MultiPolygonField(_("affected area"), srid=4326, null=True, blank=True)
    disaster_mode = models.BooleanField(
        _("disaster mode"),
        default=False,
        help_text=_("put this incident first on the public map (one incident at a time)"),
    )
    opportunities = models.ManyToManyField(
        Opportunity, blank=True, related_name="incidents", verbose_name=_("opportunities")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = IncidentQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_on", "name"]
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        permissions = [("coordinate", _("Can coordinate needs, incidents and coverage"))]
        constraints = [
            models.UniqueConstraint(
                fields=["disaster_mode"],
                condition=Q(disaster_mode=True),
                name="one_incident_in_disaster_mode",
                violation_error_message=_(
                    "Another incident is in disaster mode: switch it off first."
                ),
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="incident_ends_after_start",
                violation_error_message=_("The incident cannot end before it starts."),
            ),
        ]

    def __str__(self):
        return self.name

    def disaster_mode_taken(self) -> "Incident | None":
        """Another incident already in disaster mode (only one may be)."""
        return Incident.objects.filter(disaster_mode=True).exclude(pk=self.pk).first()


# What coordinators write (form, API), besides its opportunities.
INCIDENT_EDITABLE = [
    "name",
    "name_en",
    "description",
    "starts_on",
    "ends_on",
    "disaster_mode",
    "affected_area",
]


# The order needs are listed and paged in (common.pages): the most urgent, then those affecting
# the most people, then the oldest; as ascending keys, so that one row comparison pages it.
MOST_URGENT = Keyset(
    "most_urgent",
    (
        ("page_urgency", Value(0) - F("urgency"), "int"),
        ("page_affected", Value(0) - F("people_affected"), "int"),
        ("created_at", None, "datetime"),
        ("id", None, "int"),
    ),
)


# The needs the uncovered list cannot let off at once (nearest help unknown or farther than asked)
# are listed by id up to this many; more (after a change anywhere), read by a subquery.
UNSURE_LISTED = 10_000


class NeedQuerySet(LocatedQuerySet):
    def open(self):
        return self.filter(status=NeedStatus.OPEN)

    def most_urgent_first(self):
        return MOST_URGENT.ordered(self)

    def finest_level_showing_all(self) -> str:
        """The finest of tambon, amphoe and province at which every need here is counted (a need
        placed only at amphoe level appears from the amphoe up)."""
        lengths = set(
            self.exclude(area=None)
            .annotate(digits=Length("area_id"))
            .values_list("digits", flat=True)
            .order_by()  # DISTINCT on the lengths alone, not on the default order's columns too
            .distinct()
        )
        if 2 in lengths:
            return "province"
        return "amphoe" if 4 in lengths else "tambon"

    def filtered(self, incident=None, category=None, since=None):
        qs = self
        if incident:
            qs = qs.filter(incident_id=incident)
        if category:
            qs = qs.filter(category=category)
        if since:
            qs = qs.filter(created_at__date__gte=since)
        return qs

    def uncovered(self, km):
        """Open needs with no published opportunity within `km` kilometres (true distance), exact
        at every moment.

        A need is let off by its NeedHelp, the nearest published opportunity as the coverage
        refresh last found it (forgotten as soon as that one is withdrawn or moved): within
        `km`, covered. Farther, with no help changed within `km` since (HelpChange), uncovered:
        nothing is searched. Only the others (their nearest help unknown, or help changed near
        them, or anywhere) are searched near, one index probe each. The needs not let off are
        listed by id, up to UNSURE_LISTED, so that PostgreSQL reads just those rather than
        walking the urgency order through every covered need."""
        metres = km * 1000
        unsure = NeedHelp.objects.filter(Q(metres=None) | Q(metres__gt=metres))
        listed = list(unsure.values_list("need_id", "metres")[: UNSURE_LISTED + 1])
        if len(listed) <= UNSURE_LISTED:
            candidates = Q(pk__any_of=[need for need, _ in listed])
            farther = Q(pk__any_of=[need for need, farther in listed if farther is not None])
        else:
            candidates = Q(pk__in=unsure.values("need_id"))
            farther = Q(pk__in=unsure.exclude(metres=None).values("need_id"))
        changed_near = HelpChange.objects.filter(
            point__dwithin=(models.OuterRef("location"), metres)
        )
        surely_uncovered = farther & ~models.Exists(changed_near)
        if HelpChange.objects.filter(point=None).exists():  # changed anywhere: search near all
            surely_uncovered = Q(pk__in=[])
        near = Opportunity.objects.published().filter(
            location__dwithin=(models.OuterRef("location"), metres)
        )
        return (
            self.open()
            .exclude(location=None)
            .filter(candidates)
            .filter(surely_uncovered | ~models.Exists(near))
        )

    def visible_to(self, user):
        if user.has_perm("needs.coordinate"):
            return self
        return self.filter(reported_by=user) if user.is_authenticated else self.none()


class Need(Located):
    external_id = models.CharField(
        _("external id"), max_length=100, unique=True, null=True, blank=True
    )
    title = models.CharField(_("what is needed"), max_length=200)
    description = models.TextField(_("details"), blank=True)
    category = models.CharField(_("category"), max_length=20, choices=CATEGORIES)
    urgency = models.PositiveSmallIntegerField(
        _("urgency"), choices=Urgency.choices, default=Urgency.MEDIUM
    )
    people_affected = models.PositiveIntegerField(_("people affected"), default=1)
    status = models.CharField(
        _("status"), max_length=10, choices=NeedStatus.choices, default=NeedStatus.OPEN
    )
    incident = models.ForeignKey(
        Incident,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="needs",
        verbose_name=_("incident"),
    )
    # Who reported it: shown to coordinators only.
    reporter_name = models.CharField(_("reported by"), max_length=120, blank=True)
    reporter_phone = models.CharField(
        _("reporter's phone"), max_length=40, blank=True, validators=[thai_phone]
    )
    reporter_email = models.EmailField(_("reporter's e-mail"), blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reporting_organization = models.ForeignKey(
        Organization, models.SET_NULL, null=True, blank=True, related_name="reported_needs"
    )
    assigned_opportunity = models.ForeignKey(
        Opportunity,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_needs",
        verbose_name=_("assigned to opportunity"),
    )
    assigned_organization = models.ForeignKey(
        Organization,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_needs",
        verbose_name=_("assigned to organization"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    objects = NeedQuerySet.as_manager()

    class Meta(Located.Meta):
        ordering = ["-urgency", "created_at"]
        verbose_name = _("need")
        verbose_name_plural = _("needs")
        indexes = [
            models.Index(fields=["status", "urgency"], name="need_status_urgency"),
            models.Index(
                Value(0) - F("urgency"),
                Value(0) - F("people_affected"),
                "created_at",
                "id",
                name="need_most_urgent",
            ),
            # Coverage counts the open needs per area live, for each request: read from this
            # index alone, with any of its filters (a third of the time of the table's scan).
            models.Index(
                fields=["area"],
                include=["urgency", "people_affected", "incident", "category", "created_at"],
                condition=Q(status="open"),
                name="need_open_by_area",
            ),
        ]

    def __str__(self):
        return self.title


# What a coordinator writes (form, API) and an import sets, besides the location.
NEED_EDITABLE = [
    "title",
    "description",
    "category",
    "urgency",
    "people_affected",
    "status",
    "address",
    "incident",
    "reporter_name",
    "reporter_phone",
    "reporter_email",
    "assigned_opportunity",
    "assigned_organization",
]


class AreaHelp(models.Model):
    """The help around one area (a province, amphoe or tambon), from its representative point:
    what needs.coverage.refresh computes, the expensive half of coverage. The volunteer count is
    never served below coverage.K_ANONYMITY."""

    area = models.OneToOneField(Area, models.CASCADE, primary_key=True, related_name="help")
    level = models.CharField(max_length=8, db_index=True)
    opportunities_in = models.PositiveIntegerField(default=0)
    opportunities_near = models.PositiveIntegerField(default=0)  # capped at coverage.NEAR_CAP
    nearest_km = models.FloatField(null=True)
    free_places = models.PositiveIntegerField(default=0)
    volunteers = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField(default=timezone.now)


class NeedHelp(models.Model):
    """The nearest published opportunity of a need within coverage.NEED_REACH_KM, as
    needs.coverage.refresh last found it: the uncovered list counts a need covered when its
    nearest is within the distance asked, and uncovered when it is farther and no help changed
    near the need since (HelpChange), without searching. Every need has one (made by a trigger
    with the need); metres None: not looked for yet (or forgotten, when it may be wrong);
    infinite: none in reach."""

    need = models.OneToOneField(Need, models.CASCADE, primary_key=True, related_name="help")
    # No constraint: an opportunity deleted leaves its id, which the next refresh finds unpublished.
    opportunity = models.ForeignKey(
        Opportunity, models.DO_NOTHING, null=True, db_constraint=False, related_name="+"
    )
    metres = models.FloatField(null=True)
    computed_at = models.DateTimeField(null=True)

    class Meta:
        indexes = [models.Index(fields=["metres"], name="need_help_metres")]


class HelpChange(models.Model):
    """A place where published help may have come, moved or gone since needs.coverage.refresh
    last read these: written by triggers (needs.sql.HELP_CHANGE_TRIGGERS) with every write of an
    opportunity's place, status, end or organization, and of an organization's status, however
    written. The uncovered list searches near a need only when its nearest help is unknown or one
    of these is near it. No point: more changed in one statement than is listed (anywhere)."""

    point = models.PointField(geography=True, srid=4326, null=True)


class CoverageDirty(models.Model):
    """A place where help changed since the last refresh (an opportunity or a volunteer's home
    area): the incremental refresh recomputes only the areas around these. No point: a bulk
    change (an import) that needs the whole country recomputed."""

    point = models.PointField(geography=True, srid=4326, null=True)
    radius_km = models.FloatField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)


class CoverageVersion(models.Model):
    """What coverage answers are read from, as counters that every write to it moves: "needs"
    (needs_need), "help" (needs_areahelp, the refresh) and "areas" (places_area: names, points,
    boundaries). Moved by statement triggers (needs.sql.COVERAGE_VERSION_TRIGGERS) in the writing
    transaction, so a counter is seen with the write it counts, never before it: an answer cached
    under the counters read before it was built is never older than they say. Writers of one part
    queue on its row until they commit (a needs import holds it for its length)."""

    part = models.CharField(max_length=8, primary_key=True)
    n = models.BigIntegerField(default=0)


class OpenNeeds(models.Model):
    """The open needs of an area, counted: how many, the critical ones, the people affected and
    the urgency weight. Kept by statement triggers (needs.sql.OPEN_NEEDS_TRIGGERS) in the
    transaction of every write to the needs, however written; coverage with no filter reads
    these 8,000 rows rather than counting 100,000 needs."""

    area = models.OneToOneField(Area, models.CASCADE, primary_key=True, related_name="+")
    needs = models.IntegerField(default=0)
    critical = models.IntegerField(default=0)
    people = models.BigIntegerField(default=0)
    weight = models.IntegerField(default=0)


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("waiting its turn")
    RUNNING = "running", _("importing")
    DONE = "done", _("finished")
    FAILED = "failed", _("could not be read")


class NeedsImport(models.Model):
    """A needs CSV uploaded from the web, imported by a worker (needs.tasks.import_needs_file).
    The file travels in the row, so that any worker machine can read it; the uploader follows
    the import on its page and reads the report there."""

    file = models.BinaryField()
    source = models.CharField(max_length=255)  # the uploaded file's name
    incident = models.ForeignKey(Incident, models.SET_NULL, null=True, blank=True)
    commit = models.BooleanField(default=False)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True)
    status = models.CharField(
        max_length=8, choices=ImportStatus.choices, default=ImportStatus.QUEUED
    )
    report = models.JSONField(null=True, blank=True)  # ImportReport.as_dict()
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"{self.source} ({self.get_status_display()})"
