"""Sending the outbox: `send_due` every minute (each notice claimed before it goes and marked sent
the moment it has gone, put back when sending fails; a claim left by a run that died is taken again
after CLAIM_LEASE, with the same Message-ID), `send_daily` once a day (the organizations' daily
news, and the pending items for moderators), each summary claimed per person and day so that none
goes twice."""

import logging
from collections import defaultdict
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from notifications.models import DailySummary, Notice
from opportunities.models import Opportunity, Status
from places.models import ModerationStatus, Organization
from volunteers.mail import message, site_domain, site_url_for

log = logging.getLogger(__name__)
BATCH = 200
CLAIM_LEASE = timedelta(minutes=15)  # a batch of BATCH e-mails takes well under this
FOLDER = "notifications/email"


def _context(notice):
    user = notice.recipient
    return {
        "notice": notice,
        "organization": notice.organization,
        "opportunity": notice.opportunity,
        "shift": notice.shift,
        "dashboard": site_url_for(user, "manage-dashboard"),
        "roster": notice.opportunity and site_url_for(user, "manage-roster", notice.opportunity_id),
        "settings_link": site_url_for(user, "manage-notifications", notice.organization_id),
    }


def _claim(queryset, now):
    """Take up to BATCH unsent notices for this run and return them: whoever claims a notice
    sends it, then marks it sent."""
    with transaction.atomic():
        batch = list(
            queryset.filter(Q(claimed_at=None) | Q(claimed_at__lt=now - CLAIM_LEASE))
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("recipient__volunteer", "organization", "opportunity", "shift")[:BATCH]
        )
        Notice.objects.filter(pk__in=[n.pk for n in batch]).update(claimed_at=now)
    return batch


def send_due(now=None) -> int:
    now = now or timezone.now()
    sent, failed = 0, set()
    while True:
        pending = Notice.objects.filter(sent_at=None, daily=False).exclude(pk__in=failed)
        batch = _claim(pending, now)
        if not batch:
            return sent
        for notice in batch:
            try:
                email = message(notice.recipient, notice.kind, _context(notice), folder=FOLDER)
                email.extra_headers["Message-ID"] = f"<notice.{notice.pk}@{site_domain()}>"
                email.send()
            except Exception:  # the SMTP server may be away: the notice goes next time
                log.exception("notice %s could not be sent; it will be retried", notice.pk)
                Notice.objects.filter(pk=notice.pk).update(claimed_at=None)
                failed.add(notice.pk)
            else:
                Notice.objects.filter(pk=notice.pk).update(sent_at=now)
                sent += 1


def _summary_claimed(user, day, topic) -> bool:
    _, created = DailySummary.objects.get_or_create(recipient=user, day=day, topic=topic)
    return created


def send_daily(now=None) -> int:
    now = now or timezone.now()
    day = timezone.localdate(now)
    return _organization_news(now, day) + _moderation(day)


def _organization_news(now, day) -> int:
    sent = 0
    waiting = Notice.objects.filter(sent_at=None, daily=True, created_at__lte=now)
    for user in get_user_model().objects.filter(pk__in=waiting.values("recipient")):
        if not _summary_claimed(user, day, "volunteers"):
            continue
        notices = _claim(waiting.filter(recipient=user), now)
        by_organization = defaultdict(list)
        for notice in notices:
            by_organization[notice.organization].append(notice)
        try:
            message(
                user,
                "daily_volunteers",
                {
                    "groups": dict(by_organization),
                    "dashboard": site_url_for(user, "manage-dashboard"),
                },
                folder=FOLDER,
            ).send()
            sent += 1
        except Exception:
            log.exception("daily news for user %s could not be sent; retried next run", user.pk)
            Notice.objects.filter(pk__in=[n.pk for n in notices]).update(claimed_at=None)
            DailySummary.objects.filter(recipient=user, day=day, topic="volunteers").delete()
        else:
            Notice.objects.filter(pk__in=[n.pk for n in notices]).update(sent_at=now)
    return sent


def moderators():
    return (
        get_user_model()
        .objects.filter(Q(groups__name="moderators") | Q(is_superuser=True), is_active=True)
        .distinct()
    )


def _moderation(day) -> int:
    organizations = list(Organization.objects.filter(status=ModerationStatus.PENDING))
    opportunities = list(
        Opportunity.objects.filter(status=Status.PENDING).select_related("organization")
    )
    if not organizations and not opportunities:
        return 0
    sent = 0
    for user in moderators():
        if not _summary_claimed(user, day, "moderation"):
            continue
        admin = {
            "organizations": site_url_for(user, "admin:places_organization_changelist")
            + "?status__exact=pending",
            "opportunities": site_url_for(user, "admin:opportunities_opportunity_changelist")
            + "?status__exact=pending",
        }
        try:
            message(
                user,
                "daily_moderation",
                {"organizations": organizations, "opportunities": opportunities, "admin": admin},
                folder=FOLDER,
            ).send()
            sent += 1
        except Exception:
            log.exception("moderation summary for user %s could not be sent", user.pk)
            DailySummary.objects.filter(recipient=user, day=day, topic="moderation").delete()
    return sent
