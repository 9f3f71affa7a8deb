"""Volunteers: their profile, their consents (PDPA), their sign-ups for shifts, their saved searches
and the digests sent to them."""

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Q
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from common.validators import thai_phone
from opportunities.models import Shift, choices_array
from opportunities.taxonomy import Cause, Language, Skill
from places.models import Area, InThailand

# Parts of the day a volunteer can offer, in Bangkok time: [start hour, end hour).
DAY_PARTS = {"morning": (6, 12), "afternoon": (12, 18), "evening": (18, 23)}
WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]  # Python's weekday() order
WEEKDAY_NAMES = [
    _("Mondays"),
    _("Tuesdays"),
    _("Wednesdays"),
    _("Thursdays"),
    _("Fridays"),
    _("Saturdays"),
    _("Sundays"),
]
PART_NAMES = {"morning": _("mornings"), "afternoon": _("afternoons"), "evening": _("evenings")}


# A weekday and a part of the day, e.g. sat_morning.
SLOTS = [
    (f"{day}_{part}", format_lazy("{} {}", day_name, PART_NAMES[part]))
    for day, day_name in zip(WEEKDAYS, WEEKDAY_NAMES, strict=True)
    for part in DAY_PARTS
]

# Causes whose choice may reveal health, disability or religion: special categories of personal
# data (PDPA section 26), collected only with explicit consent.
SENSITIVE_CAUSES = frozenset({Cause.HEALTH, Cause.DISABILITY, Cause.RELIGION})


class Volunteer(models.Model):
    """What a volunteer tells us about themselves. The home is stored coarsened once (see
    volunteers.privacy.coarsen) and is never served to anyone else, nor any distance to it."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, models.CASCADE, primary_key=True, related_name="volunteer"
    )
    display_name = models.CharField(_("display name"), max_length=80)
    phone = models.CharField(_("phone"), max_length=40, blank=True, validators=[thai_phone])
    skills = choices_array(Skill, _("skills"))
    causes = choices_array(Cause, _("causes of interest"))
    languages = choices_array(Language, _("languages"))
    availability = ArrayField(
        models.CharField(max_length=16, choices=SLOTS),
        default=list,
        blank=True,
        verbose_name=_("availability"),
    )
    travel_radius_km = models.PositiveSmallIntegerField(
        _("how far you would travel (km)"), default=10
    )
    home = models.PointField(_("home area"), geography=True, srid=4326, null=True, blank=True)
    home_precision = models.CharField(max_length=12, blank=True)
    home_area = models.ForeignKey(
        Area, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("home area")
    )
    language = models.CharField(
        _("language for e-mails"), max_length=5, choices=settings.LANGUAGES, default="th"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")
        constraints = [
            models.CheckConstraint(
                condition=InThailand("home"),
                name="volunteer_home_in_thailand",
                violation_error_message=_("Your home area must be in Thailand."),
            ),
            models.CheckConstraint(
                condition=Q(travel_radius_km__gte=1) & Q(travel_radius_km__lte=500),
                name="volunteer_travel_radius",
                violation_error_message=_("How far you travel: from 1 to 500 km."),
            ),
        ]

    def __str__(self):
        return self.display_name


class Purpose(models.TextChoices):
    ACCOUNT = "account", _("an account to sign up for shifts")
    MATCHING = "matching", _("a profile for suggestions near me")
    SENSITIVE = "sensitive", _("causes that may reveal health, disability or religion")
    DIGEST = "digest", _("a digest e-mail of new opportunities")


class ConsentQuerySet(models.QuerySet):
    def current(self):
        return self.filter(withdrawn_at__isnull=True)


class Consent(models.Model):
    """A consent given, for one purpose, to one version of the privacy notice. Withdrawn, it stays
    as the record of what was agreed when."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="consents")
    purpose = models.CharField(max_length=12, choices=Purpose.choices)
    version = models.CharField(max_length=20)
    given_at = models.DateTimeField(default=timezone.now)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    objects = ConsentQuerySet.as_manager()

    class Meta:
        ordering = ["given_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "purpose"],
                condition=Q(withdrawn_at__isnull=True),
                name="one_current_consent_per_purpose",
            )
        ]

    def __str__(self):
        return f"{self.user_id} {self.purpose} {self.version}"


class SignUpStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("confirmed")
    WAITLISTED = "waitlisted", _("on the waiting list")
    CANCELLED = "cancelled", _("cancelled")


class SignUpQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status__in=[SignUpStatus.CONFIRMED, SignUpStatus.WAITLISTED])

    def confirmed(self):
        return self.filter(status=SignUpStatus.CONFIRMED)

    def upcoming(self):
        return self.filter(shift__starts_at__gte=timezone.now())


class SignUp(models.Model):
    """A volunteer's place on a shift. The database holds the capacity: a trigger (migration
    0002) locks the shift and refuses more confirmed sign-ups than it has places. When the
    volunteer erases their account the row stays, anonymised (volunteer empty), so the
    organization keeps its hours."""

    shift = models.ForeignKey(Shift, models.PROTECT, related_name="sign_ups")
    volunteer = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="sign_ups"
    )
    status = models.CharField(max_length=10, choices=SignUpStatus.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    attended = models.BooleanField(_("attended"), null=True)
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=2, null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)

    objects = SignUpQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["shift", "status"], name="signup_shift_status")]
        constraints = [
            models.UniqueConstraint(
                fields=["shift", "volunteer"],
                condition=Q(status__in=["confirmed", "waitlisted"]),
                name="one_active_signup_per_shift",
                violation_error_message=_("You are signed up for this shift already."),
            ),
            models.CheckConstraint(
                condition=Q(hours__isnull=True) | (Q(hours__gte=0) & Q(hours__lte=24)),
                name="signup_hours_in_a_day",
                violation_error_message=_("Hours: from 0 to 24."),
            ),
        ]

    def __str__(self):
        return f"{self.volunteer_id} → {self.shift_id} ({self.status})"


class Frequency(models.TextChoices):
    WEEKLY = "weekly", _("weekly")
    MONTHLY = "monthly", _("monthly")


class SavedSearch(models.Model):
    """Where and what a volunteer wants to hear about: a circle or an area, optional filters."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="saved_searches"
    )
    name = models.CharField(_("name"), max_length=80)
    centre = models.PointField(_("centre"), geography=True, srid=4326, null=True, blank=True)
    radius_km = models.PositiveSmallIntegerField(
        _("radius (km)"), default=10, validators=[MinValueValidator(1), MaxValueValidator(200)]
    )
    # Follows the volunteer's home area: moved with it, deleted with it.
    around_home = models.BooleanField(default=False)
    area = models.ForeignKey(
        Area, models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("area")
    )
    include_remote = models.BooleanField(_("include remote opportunities"), default=False)
    causes = choices_array(Cause, _("causes"))
    skills = choices_array(Skill, _("skills"))
    frequency = models.CharField(
        _("digest"), max_length=8, choices=Frequency.choices, default=Frequency.WEEKLY
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("saved search")
        verbose_name_plural = _("saved searches")
        indexes = [models.Index(fields=["frequency", "user"], name="savedsearch_frequency")]
        constraints = [
            models.CheckConstraint(
                condition=Q(centre__isnull=False) | Q(area__isnull=False) | Q(include_remote=True),
                name="savedsearch_has_a_place",
                violation_error_message=_("Say where, or include remote opportunities."),
            ),
            models.CheckConstraint(
                condition=InThailand("centre"),
                name="savedsearch_centre_in_thailand",
                violation_error_message=_("The place must be in Thailand."),
            ),
            models.CheckConstraint(
                condition=Q(radius_km__gte=1) & Q(radius_km__lte=200),
                name="savedsearch_radius",
                violation_error_message=_("The distance: from 1 to 200 km."),
            ),
        ]

    def __str__(self):
        return self.name


class DigestStatus(models.TextChoices):
    CLAIMED = "claimed", _("being sent")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed")


class Digest(models.Model):
    """One digest e-mail to one volunteer for one period (a week or a month). The row is claimed
    before the e-mail is sent and marked sent as soon as it is, so a re-run never sends a period
    twice, and one after a crash sends what the crashed run had not."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="digests")
    frequency = models.CharField(max_length=8, choices=Frequency.choices)
    period = models.DateField()  # the Monday of the week, or the first of the month
    status = models.CharField(max_length=8, choices=DigestStatus.choices)
    opportunities = models.PositiveIntegerField(default=0)
    claimed_at = models.DateTimeField(default=timezone.now)  # the run's snapshot
    # When the run that is sending it took it (the clock): a claim older than the lease, still
    # unsent, belongs to a run that died, and the next run takes it over.
    taken_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "frequency", "period"], name="one_digest_per_period"
            )
        ]

    def __str__(self):
        return f"{self.user_id} {self.frequency} {self.period}"
