"""Volunteer opportunities and their shifts."""

from datetime import date

from django.contrib.gis.db import models
from django.contrib.gis.db.models.functions import GeometryDistance
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, GistIndex, OpClass
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import F, Q, Value
from django.db.models.functions import Cast, Coalesce, Concat, StrIndex, Upper
from django.db.models.lookups import GreaterThan
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from common.pages import Keyset
from common.validators import plausible_date
from opportunities.bookings import bookings
from opportunities.events import opportunity_moderated
from opportunities.taxonomy import Cause, Language, Mode, Schedule, Skill
from places import locating
from places.models import (
    Located,
    LocatedQuerySet,
    ModerationStatus,
    Organization,
    TransitionError,
    few_organizations_named,
    organizations_named,
)

# The orders lists page through (common.pages), each backed by an index on the same expressions
# over the published rows (Meta.indexes): the newest first (the API) and the soonest first (the
# list without a map; ongoing ones, without a first day, after those with one).
NEWEST = Keyset(
    "newest",
    (("page_published", Coalesce("published_at", "created_at"), "datetime"), ("id", None, "int")),
    descending=True,
)
SOONEST = Keyset(
    "soonest",
    (
        ("page_starts", Coalesce("starts_on", Value(date.max)), "date"),
        ("id", None, "int"),
    ),
)
# What a search reads, as one text, behind a pg_trgm GIN index of it upper-cased (Django's
# icontains is UPPER(…) LIKE UPPER('%…%') on PostgreSQL): trigrams need no word boundaries,
# which Thai does not write.
SEARCHED_TEXT = Concat(
    "title", Value(" "), "title_en", Value(" "), "description", output_field=models.TextField()
)

# The location on the plane of longitude and latitude (geometry, not geography), behind a 2-D GiST
# index of the published ones: its nearest-first walk costs a third of the sphere's (3 ms against
# 8.5 ms for the 300 nearest of a million sharing a cause or a skill, EXPLAIN ANALYZE), for reads
# that want a pool of near candidates rather than an exact order (about_nearest_first).
ON_THE_PLANE = Cast("location", models.PointField(srid=4326))


class Status(models.TextChoices):
    DRAFT = "draft", _("draft")
    PENDING = "pending", _("pending review")
    PUBLISHED = "published", _("published")
    CLOSED = "closed", _("closed")
    REJECTED = "rejected", _("rejected")


# A word shorter than this has no trigram for the index to find it by: a search made only of such
# words ("ไฟ", "ยา") reads the newest SHORT_WORDS_AMONG opportunities, not the whole table.
INDEXED_WORD = 3
SHORT_WORDS_AMONG = 10_000


def short_words_only(text: str) -> bool:
    words = text.split()
    return bool(words) and all(len(word) < INDEXED_WORD for word in words)


def short_words_message() -> str:
    return gettext(
        "Words shorter than %(k)d letters are looked for only among the %(n)s newest "
        "opportunities: type a longer word to search them all."
    ) % {"k": INDEXED_WORD, "n": f"{SHORT_WORDS_AMONG:,}"}


# The organizations a word names, up to this many, go into the query as a list of ids, which
# PostgreSQL can look up beside the text's trigram index (a rare word); more, as a subquery.
NAMED_INLINE = 200


class OpportunityQuerySet(LocatedQuerySet):
    def published(self):
        """What the public sees: published, not past, by a published organization."""
        today = timezone.localdate()
        return self.filter(
            Q(ends_on__isnull=True) | Q(ends_on__gte=today),
            status=Status.PUBLISHED,
            organization__status=ModerationStatus.PUBLISHED,
        )

    def about_nearest_first(self, point):
        """Nearest first on the plane of degrees (the ON_THE_PLANE index), sliced to read only the
        rows returned. In Thailand a degree of longitude is 0.94 to 1 of a degree of latitude, so
        this order can differ from the true one by up to 6 % of the distance: for a pool of
        candidates measured truly afterwards (volunteers.matching), never for pages that claim
        to be in the order of the distance they show (LocatedQuerySet.nearest_first)."""
        return self.order_by(GeometryDistance(ON_THE_PLANE, point))

    def visible_to(self, user):
        if user.has_perm("opportunities.moderate_opportunity"):
            return self
        if user.is_authenticated:
            return self.filter(
                Q(pk__in=self.published().values("pk")) | Q(organization__members__user=user)
            ).distinct()
        return self.published()

    def for_causes(self, causes):
        return self.filter(causes__overlap=list(causes))

    def for_skills(self, skills):
        return self.filter(skills__overlap=list(skills))

    def between(self, start=None, end=None):
        """Running at some time within [start, end] (dates; either may be open)."""
        qs = self
        if start:
            qs = qs.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=start))
        if end:
            qs = qs.filter(Q(starts_on__isnull=True) | Q(starts_on__lte=end))
        return qs

    def search(self, text):
        """Every word somewhere in the title, description or organization's name: substrings,
        because Thai is written without spaces between words (full-text parsers find no words
        in it), through trigram indexes on both tables. The organizations are looked up first,
        so that a rare word is one indexed condition on this table."""
        qs = self.annotate(searched_text=SEARCHED_TEXT)
        for word in text.split():
            by_name = few_organizations_named(word, NAMED_INLINE)
            if by_name is None:
                # A word in many names is in many opportunities' rows: the list's own order
                # finds a page of them soon, checking each against the names (a hashed subquery).
                by_name = organizations_named(word)
            if len(word) < INDEXED_WORD:
                # No trigram to look it up by: kept from the trigram index, whose every entry
                # would match, so that PostgreSQL reads the rows in the list's order instead.
                # Thai letters have no case: a word of them is looked for as it is written,
                # and no row read is upper-cased for it.
                uncased = word.upper() == word.lower()
                searched = "searched_text" if uncased else Upper("searched_text")
                wanted = Value(word) if uncased else Upper(Value(word))
                found = Q(GreaterThan(StrIndex(searched, wanted), 0))
            else:
                found = Q(searched_text__icontains=word)
            qs = qs.filter(found | Q(organization_id__in=by_name))
        return qs

    def newest_first(self):
        return NEWEST.ordered(self)

    def among_newest(self, n):
        """Only those no older than the n-th newest published opportunity: a range of the
        newest-first index, whose bound is read from that index alone."""
        names = [name for name, _, _ in NEWEST.keys]
        published = NEWEST.ordered(Opportunity.objects.filter(status=Status.PUBLISHED))
        bound = list(published.values_list(*names)[n - 1 : n])
        return NEWEST.up_to(self, bound[0]) if bound else self

    def soonest_first(self):
        return SOONEST.ordered(self)

    def past(self):
        return self.filter(status=Status.PUBLISHED, ends_on__lt=timezone.localdate())

    def close_past(self):
        """Close each published opportunity whose end date has passed, through
        Opportunity.close, so that what follows a closing follows (the map, coverage and the
        volunteers' coming places listen to its save); return how many. Days end few at a time."""
        past = list(self.past())
        for opportunity in past:
            opportunity.close()
        return len(past)


def choices_array(base, verbose_name):
    """A list of codes from a TextChoices (causes, skills, languages), empty by default."""
    return ArrayField(
        models.CharField(max_length=20, choices=base.choices),
        default=list,
        blank=True,
        verbose_name=verbose_name,
    )


class Opportunity(Located):
    organization = models.ForeignKey(
        Organization, models.CASCADE, related_name="opportunities", verbose_name=_("organization")
    )
    co_organizers = models.ManyToManyField(
        Organization,
        blank=True,
        related_name="co_organized",
        verbose_name=_("other organizations"),
        help_text=_("for events: the other organizations with a booth or a part"),
    )
    external_id = models.CharField(
        _("external id"), max_length=100, unique=True, null=True, blank=True
    )
    title = models.CharField(_("title"), max_length=200)
    title_en = models.CharField(_("English title"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    causes = choices_array(Cause, _("causes"))
    skills = choices_array(Skill, _("skills wanted"))
    languages = choices_array(Language, _("languages"))
    mode = models.CharField(_("where"), max_length=10, choices=Mode.choices, default=Mode.ONSITE)
    schedule = models.CharField(
        _("when"), max_length=10, choices=Schedule.choices, default=Schedule.ONE_OFF
    )
    use_organization_location = models.BooleanField(
        _("at the organization's address"),
        default=True,
        help_text=_("untick to give this opportunity an address of its own"),
    )
    starts_on = models.DateField(_("starts on"), null=True, blank=True, validators=[plausible_date])
    ends_on = models.DateField(
        _("ends on"),
        null=True,
        blank=True,
        help_text=_("empty: ongoing"),
        validators=[plausible_date],
    )
    volunteers_needed = models.PositiveIntegerField(
        _("volunteers needed"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(100_000)],
    )
    minimum_age = models.PositiveSmallIntegerField(
        _("minimum age"), null=True, blank=True, validators=[MaxValueValidator(120)]
    )
    family_friendly = models.BooleanField(_("family-friendly"), default=False)
    accessibility_notes = models.TextField(_("accessibility"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    rejection_reason = models.TextField(_("reason for rejection"), blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OpportunityQuerySet.as_manager()

    class Meta(Located.Meta):
        ordering = ["-created_at"]
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")
        permissions = [("moderate_opportunity", _("Can approve and reject opportunities"))]
        indexes = [
            models.Index(
                Coalesce("published_at", "created_at").desc(),
                F("id").desc(),
                # Its own columns too: the 10,000th newest (where short words are looked for) is
                # read from the index alone, not from 10,000 rows.
                include=["published_at", "created_at"],
                name="opportunity_newest",
                condition=Q(status="published"),
            ),
            models.Index(
                Coalesce("starts_on", Value(date.max)),
                "id",
                name="opportunity_soonest",
                condition=Q(status="published"),
            ),
            GinIndex(
                OpClass(Upper(SEARCHED_TEXT), name="gin_trgm_ops"),
                name="opportunity_searched_text",
                condition=Q(status="published"),
            ),
            GinIndex(fields=["causes"], name="opportunity_causes"),
            GinIndex(fields=["skills"], name="opportunity_skills"),
            models.Index(fields=["ends_on"], name="opportunity_ends_on"),
            GistIndex(
                ON_THE_PLANE, name="opportunity_on_the_plane", condition=Q(status="published")
            ),
            # The newest remote opportunities (suggestions for volunteers, bench/matching.py).
            models.Index(
                fields=["-published_at"],
                name="opportunity_remote_newest",
                condition=Q(status="published", mode__in=["remote", "hybrid"]),
            ),
        ]
        constraints = [
            *Located.Meta.constraints,
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True)
                | Q(starts_on__isnull=True)
                | Q(ends_on__gte=models.F("starts_on")),
                name="opportunity_ends_after_start",
                violation_error_message=_("The last day is before the first day."),
            ),
            models.CheckConstraint(
                condition=~Q(status="published") | Q(location__isnull=False) | Q(mode="remote"),
                name="published_onsite_opportunity_has_location",
                violation_error_message=_(
                    "An opportunity in a place needs its place (an address or a pin) to be "
                    "published."
                ),
            ),
        ]

    def __str__(self):
        return self.title

    # The status workflow: draft → pending review → published → closed, or rejected. A verified
    # organization's opportunities skip the review; everyone else's first wait for a moderator.

    def submit(self):
        if self.status not in (Status.DRAFT, Status.REJECTED):
            raise TransitionError(f"a {self.status} opportunity cannot be submitted")
        org = self.organization
        trusted = org.verified and org.status == ModerationStatus.PUBLISHED
        self._move(Status.PUBLISHED if trusted else Status.PENDING)

    def approve(self):
        if self.status != Status.PENDING:
            raise TransitionError(f"only pending opportunities can be approved, not {self.status}")
        self._move(Status.PUBLISHED)
        opportunity_moderated.send(Opportunity, opportunity=self, approved=True)

    def reject(self, reason: str):
        if self.status not in (Status.PENDING, Status.PUBLISHED):
            raise TransitionError(f"a {self.status} opportunity cannot be rejected")
        self.rejection_reason = reason
        self._move(Status.REJECTED)
        opportunity_moderated.send(Opportunity, opportunity=self, approved=False)

    def close(self):
        if self.status != Status.PUBLISHED:
            raise TransitionError(f"only published opportunities can be closed, not {self.status}")
        self._move(Status.CLOSED)

    def _move(self, status):
        self.status = status
        if status == Status.PUBLISHED:
            self.published_at, self.rejection_reason = timezone.now(), ""
            if self.location is None and self.mode != Mode.REMOTE:
                raise TransitionError(
                    "an opportunity on site needs a location before it is published"
                )
        self.save(update_fields=["status", "published_at", "rejection_reason", "updated_at"])

    def follow_organization(self):
        """Take the organization's location when the opportunity has none of its own."""
        if self.use_organization_location:
            self.address = self.organization.address
            locating.give(self, locating.place_of(self.organization))


# What an organization's staff write (forms, API) and an import sets, besides the location.
OPPORTUNITY_EDITABLE = [
    "title",
    "title_en",
    "description",
    "causes",
    "skills",
    "languages",
    "mode",
    "schedule",
    "use_organization_location",
    "address",
    "starts_on",
    "ends_on",
    "volunteers_needed",
    "minimum_age",
    "family_friendly",
    "accessibility_notes",
]


class Shift(models.Model):
    opportunity = models.ForeignKey(Opportunity, models.CASCADE, related_name="shifts")
    starts_at = models.DateTimeField(_("starts at"), validators=[plausible_date])
    ends_at = models.DateTimeField(_("ends at"), validators=[plausible_date])
    capacity = models.PositiveIntegerField(
        _("places"), default=1, validators=[MinValueValidator(1), MaxValueValidator(100_000)]
    )

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")),
                name="shift_ends_after_start",
                violation_error_message=_("A shift must end after it starts."),
            ),
            models.CheckConstraint(
                condition=Q(capacity__gte=1),
                name="shift_has_places",
                violation_error_message=_("A shift needs at least one place."),
            ),
        ]

    def __str__(self):
        return f"{self.opportunity} {self.starts_at:%Y-%m-%d %H:%M}"

    def clean(self):
        """Said on the field that is wrong, before the database's constraints would refuse it."""
        errors = {}
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            errors["ends_at"] = _("A shift must end after it starts.")
        try:  # the form's own (perhaps unsaved) opportunity, with the dates being written
            opportunity = self.opportunity
        except Opportunity.DoesNotExist:
            opportunity = None
        if opportunity and self.starts_at:
            day = timezone.localtime(self.starts_at).date()
            if opportunity.starts_on and day < opportunity.starts_on:
                errors["starts_at"] = _("The shift is before the opportunity's first day.")
            elif opportunity.ends_on and day > opportunity.ends_on:
                errors["starts_at"] = _("The shift is after the opportunity's last day.")
        if errors:
            raise ValidationError(errors)

    def change_refused(self, capacity=None) -> str | None:
        """Why the shift cannot be deleted (capacity None) or given this capacity: volunteers
        have signed up. None when it can. Asked of the sign-ups' keeper (opportunities.bookings)."""
        return bookings().change_refused(self, capacity)


class MapCell(models.Model):
    """One cell of the precomputed cluster pyramid behind the map tiles: for a layer and a zoom,
    the published points in a grid cell (8 × 8 cells per 256-pixel tile), their count, the sums
    of their coordinates (the cluster sits at the mean) and their counts per cause (in the order
    of Cause). Built by opportunities.tiles.rebuild_pyramid."""

    layer = models.CharField(max_length=16)
    z = models.PositiveSmallIntegerField()
    x = models.IntegerField()
    y = models.IntegerField()
    n = models.IntegerField()
    sum_lon = models.FloatField()
    sum_lat = models.FloatField()
    causes = ArrayField(models.IntegerField(), default=list)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["layer", "z", "x", "y"], name="one_map_cell")
        ]


class MapChange(models.Model):
    """Where the map changed since the pyramid was last brought up to date: the old and the new
    point of every row whose place on the map may have changed, written by triggers on the
    opportunities and organizations tables (opportunities.sql.MAP_CHANGE_TRIGGERS), so that bulk
    imports, UPDATEs and deletes are caught like saves. A row without a point asks for the whole
    layer (a new database). refresh_map reads and empties it (opportunities.tiles.refresh)."""

    layer = models.CharField(max_length=16)
    location = models.PointField(geography=True, null=True)


def organizations_working_with(organization):
    """The organization's partners in its work: the published organizations that co-organize
    its published opportunities, or whose published opportunities it co-organizes, by name."""
    return (
        Organization.objects.published()
        .filter(
            Q(co_organized__organization=organization, co_organized__status=Status.PUBLISHED)
            | Q(opportunities__co_organizers=organization, opportunities__status=Status.PUBLISHED)
        )
        .exclude(pk=organization.pk)
        .distinct()
        .order_by("name_th")
    )
