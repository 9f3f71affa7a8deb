"""What organizations and moderators are told, kept in an outbox: recorded with the change that
caused it (in the same transaction), sent later by `send_notifications`, each exactly once."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    ORGANIZATION_APPROVED = "org_approved", _("organization approved")
    ORGANIZATION_REJECTED = "org_rejected", _("organization not approved")
    OPPORTUNITY_APPROVED = "opp_approved", _("opportunity approved")
    OPPORTUNITY_REJECTED = "opp_rejected", _("opportunity not approved")
    SIGNED_UP = "signed_up", _("a volunteer signed up")
    WAITLISTED = "waitlisted", _("a volunteer joined the waiting list")
    CANCELLED = "cancelled", _("a volunteer cancelled")


# The news about volunteers, which an organization may take one by one, daily or not at all;
# moderation decisions always come at once.
VOLUNTEER_KINDS = {Kind.SIGNED_UP, Kind.WAITLISTED, Kind.CANCELLED}


class Frequency(models.TextChoices):
    EACH = "each", _("an e-mail for each")
    DAILY = "daily", _("one e-mail a day")
    OFF = "off", _("no e-mail")


class Preference(models.Model):
    organization = models.OneToOneField(
        "places.Organization", models.CASCADE, related_name="notification_preference"
    )
    volunteers = models.CharField(
        _("news of volunteers (sign-ups, waiting list, cancellations)"),
        max_length=5,
        choices=Frequency.choices,
        default=Frequency.EACH,
    )

    def __str__(self):
        return f"{self.organization}: {self.volunteers}"


class Notice(models.Model):
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    organization = models.ForeignKey("places.Organization", models.CASCADE, related_name="+")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    daily = models.BooleanField(default=False)
    # What the e-mail says, read when it is written (in the recipient's language then).
    opportunity = models.ForeignKey(
        "opportunities.Opportunity", models.CASCADE, null=True, related_name="+"
    )
    shift = models.ForeignKey("opportunities.Shift", models.CASCADE, null=True, related_name="+")
    volunteer_name = models.CharField(max_length=80, blank=True)
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # When a run took it to send: a claim still unsent after the lease is a dead run's, taken again.
    claimed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(
                fields=["daily", "id"], name="notice_unsent", condition=models.Q(sent_at=None)
            )
        ]

    def __str__(self):
        return f"{self.kind} → {self.recipient_id}"


class DailySummary(models.Model):
    """One summary a day per person and topic, claimed before it is sent: never twice."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    day = models.DateField()
    topic = models.CharField(max_length=20)  # "volunteers" or "moderation"
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["recipient", "day", "topic"], name="one_summary_a_day")
        ]

    def __str__(self):
        return f"{self.topic} {self.day} → {self.recipient_id}"
