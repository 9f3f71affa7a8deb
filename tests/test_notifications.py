"""What organizations and moderators are told: by e-mail, in their language, each notice exactly
once, sent outside the request; volunteers' news one by one, daily or not at all."""

from unittest import mock

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import translation

from notifications import sending
from notifications.models import Frequency, Notice, Preference
from places.models import Membership
from tests.factories import (
    OpportunityFactory,
    OrganizationFactory,
    ShiftFactory,
    VolunteerFactory,
    moderator,
    staff_of,
)
from volunteers import signups

pytestmark = pytest.mark.django_db


def test_approval_and_rejection_reach_every_staff_member_once_in_their_language():
    organization = OrganizationFactory(status="pending", verified=False)
    owner = staff_of(organization, role=Membership.Role.OWNER)
    editor = staff_of(organization)
    VolunteerFactory(user=editor, language="en")
    organization.approve()
    assert not mail.outbox, "nothing is sent in the request"
    with translation.override("en"):  # what the sending code has active does not matter
        assert sending.send_due() == 2
    by_address = {m.to[0]: m for m in mail.outbox}
    assert "เผยแพร่แล้ว" in by_address[owner.email].subject
    assert "is public now" in by_address[editor.email].subject
    # Links to the pages in each one's language too.
    assert "/en/manage/" in by_address[editor.email].body
    assert "/manage/" in by_address[owner.email].body
    assert "/en/" not in by_address[owner.email].body
    assert sending.send_due() == 0 and len(mail.outbox) == 2  # never twice

    opportunity = OpportunityFactory(organization=organization, status="pending")
    opportunity.reject("กรุณาเพิ่มรายละเอียดสถานที่")
    call_command("send_notifications")
    rejected = [m for m in mail.outbox if "กรุณาเพิ่มรายละเอียดสถานที่" in m.body]
    assert len(rejected) == 2


def test_volunteers_news_each_daily_or_not_at_all():
    opportunity = OpportunityFactory()
    owner = staff_of(opportunity.organization, role=Membership.Role.OWNER)
    shift = ShiftFactory(opportunity=opportunity, capacity=1)
    first, second = VolunteerFactory(display_name="นิด"), VolunteerFactory(display_name="หน่อย")
    signups.sign_up(first.user, shift.pk)
    signups.sign_up(second.user, shift.pk)
    mail.outbox.clear()  # the volunteers' own confirmations
    sending.send_due()
    subjects = [m.subject for m in mail.outbox if m.to == [owner.email]]
    assert len(subjects) == 2 and any("รายชื่อสำรอง" in s for s in subjects)
    assert any("นิด" in m.body for m in mail.outbox)

    Preference.objects.create(organization=opportunity.organization, volunteers=Frequency.DAILY)
    mail.outbox.clear()
    signups.cancel(first.user.sign_ups.get())
    assert sending.send_due() == 0 and not mail.outbox
    assert sending.send_daily() == 1
    [summary] = mail.outbox
    assert summary.to == [owner.email] and "ยกเลิก" in summary.body
    assert sending.send_daily() == 0, "one summary a day"

    Preference.objects.filter(organization=opportunity.organization).update(volunteers="off")
    signups.sign_up(first.user, ShiftFactory(opportunity=opportunity).pk)
    assert not Notice.objects.filter(sent_at=None).exists()


def test_moderators_get_the_pending_items_once_a_day():
    user = moderator()
    OrganizationFactory(status="pending", verified=False, name_th="ชมรมรอตรวจ")
    assert sending.send_daily() == 1
    [summary] = mail.outbox
    assert summary.to == [user.email] and "ชมรมรอตรวจ" in summary.body
    assert "/admin/places/organization/?status__exact=pending" in summary.body
    assert sending.send_daily() == 0


def test_a_notice_that_could_not_be_sent_goes_next_time():
    organization = OrganizationFactory(status="pending", verified=False)
    staff_of(organization)
    organization.approve()
    with mock.patch("django.core.mail.EmailMessage.send", side_effect=OSError("SMTP down")):
        assert sending.send_due() == 0
    assert Notice.objects.filter(sent_at=None).count() == 1
    assert sending.send_due() == 1 and len(mail.outbox) == 1


def test_a_notice_claimed_by_a_run_that_died_is_sent_after_the_lease_and_only_then():
    import datetime

    from django.utils import timezone

    from volunteers.mail import site_domain

    organization = OrganizationFactory(status="pending", verified=False)
    staff_of(organization)
    organization.approve()
    notice = Notice.objects.get()
    died = timezone.now() - datetime.timedelta(minutes=1)
    Notice.objects.update(claimed_at=died)  # taken by a run that was killed before sending
    assert sending.send_due() == 0 and not mail.outbox  # maybe still sending: left alone
    later = died + sending.CLAIM_LEASE + datetime.timedelta(seconds=1)
    assert sending.send_due(now=later) == 1
    [email] = mail.outbox
    assert email.extra_headers["Message-ID"] == f"<notice.{notice.pk}@{site_domain()}>"
    notice.refresh_from_db()
    assert notice.sent_at == later
    assert sending.send_due(now=later + sending.CLAIM_LEASE * 2) == 0  # sent: never again
