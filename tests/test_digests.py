"""The digest e-mail: one per volunteer per period however many searches match, never twice,
only what is new, only with consent, and an unsubscribe link that needs no login."""

import datetime
import threading
from email import message_from_bytes
from email.header import decode_header, make_header

import pytest
from django.conf import settings
from django.contrib.gis.geos import Point
from django.core import mail
from django.core.management import call_command
from django.db import DatabaseError, connection, connections
from django.utils import timezone

from places import package_gazetteer
from places.models import Area
from tests.factories import OpportunityFactory, VolunteerFactory
from volunteers import digests, privacy, sql
from volunteers.digests import send_digests
from volunteers.mail import user_of_unsubscribe_token
from volunteers.models import Digest, SavedSearch

pytestmark = pytest.mark.django_db

BANGKOK = Point(100.5018, 13.7563, srid=4326)
NEAR = Point(100.5218, 13.7563, srid=4326)  # ~2 km
FAR = Point(100.9, 13.7563, srid=4326)  # ~43 km


def subscriber(**search):
    profile = VolunteerFactory(consents=["account", "matching", "digest"])
    SavedSearch.objects.create(
        user=profile.user, name="ใกล้บ้าน", centre=BANGKOK, radius_km=10, **search
    )
    return profile.user


def published(location=NEAR, days_ago=1, **fields):
    return OpportunityFactory(
        location=location,
        area_id=None,
        published_at=timezone.now() - datetime.timedelta(days=days_ago),
        **fields,
    )


def test_one_email_per_volunteer_however_many_searches_match_and_never_twice():
    user = subscriber()
    SavedSearch.objects.create(user=user, name="ทั้งกรุงเทพ", centre=BANGKOK, radius_km=50)
    near, far = published(), published(location=FAR)
    published(days_ago=30)  # not new
    run = send_digests("weekly")
    assert (run.volunteers, run.sent) == (1, 1)
    [message] = mail.outbox
    assert message.to == [user.email]
    assert near.title in message.body and far.title in message.body
    assert message.body.count(near.title) == 1  # found by both searches, listed once
    assert "CC BY-NC-SA 3.0 TH" in message.body
    assert f"สวัสดีคุณ {user.volunteer.display_name}" in message.body
    assert f"{near.title} — {near.organization.name_th}" in message.body
    assert f"{settings.SITE_URL}/opportunities/{near.pk}/\n" in message.body
    assert f"{settings.SITE_URL}/opportunities/{far.pk}/\n" in message.body
    sender = message.message()["From"]  # encoded once for the whole run
    assert str(make_header(decode_header(sender))) == settings.DEFAULT_FROM_EMAIL
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = message.extra_headers["List-Unsubscribe"].strip("<>")
    assert unsubscribe in message.body
    token = unsubscribe.removeprefix(f"{settings.SITE_URL}/digests/unsubscribe/").strip("/")
    assert user_of_unsubscribe_token(token) == user.pk

    again = send_digests("weekly")
    assert again.sent == 0 and len(mail.outbox) == 1  # safe to re-run
    call_command("send_digests", "weekly")
    assert len(mail.outbox) == 1
    assert Digest.objects.get().status == "sent"


def test_only_matching_filters_and_places():
    user = subscriber(causes=["education"])
    wanted = published(causes=["education"])
    published(causes=["animals"])
    published(location=FAR, causes=["education"])
    send_digests("weekly")
    [message] = mail.outbox
    assert wanted.title in message.body
    assert message.body.count("งานอาสา") == 1
    assert message.to == [user.email]


def test_an_area_search_and_remote_opportunities():
    profile = VolunteerFactory(consents=["account", "digest"])
    SavedSearch.objects.create(user=profile.user, name="เชียงใหม่", area_id="50")
    SavedSearch.objects.create(user=profile.user, name="ออนไลน์", include_remote=True)
    in_chiang_mai = OpportunityFactory(area_id="500101")  # factory default: Chiang Mai
    remote = OpportunityFactory(location=None, mode="remote", precision="remote", area_id=None)
    OpportunityFactory(location=NEAR, area_id="100101")  # Bangkok
    send_digests("weekly")
    [message] = mail.outbox
    assert in_chiang_mai.title in message.body and remote.title in message.body
    assert message.body.count("งานอาสา") == 2


def test_no_digest_without_consent_or_verification_and_nothing_new_means_no_email():
    quiet = subscriber()
    withdrawn = subscriber()
    privacy.withdraw_consent(withdrawn, "digest")
    unverified = subscriber()
    unverified.is_active = False
    unverified.save()
    send_digests("weekly")
    assert mail.outbox == []  # nothing new yet
    published()
    send_digests("weekly")
    assert [m.to for m in mail.outbox] == [[quiet.email]]


def test_the_next_period_lists_only_what_is_new_since_the_last_digest():
    user = subscriber()
    first = published(days_ago=2)
    monday = timezone.now()
    send_digests("weekly", now=monday)
    second = published(days_ago=0)
    second.published_at = monday + datetime.timedelta(days=3)
    second.save()
    send_digests("weekly", now=monday + datetime.timedelta(days=7))
    assert len(mail.outbox) == 2
    assert second.title in mail.outbox[1].body and first.title not in mail.outbox[1].body
    assert user.digests.count() == 2


def test_a_failed_email_is_retried_by_the_next_run(settings, monkeypatch):
    subscriber()
    published()
    from django.core.mail.backends.locmem import EmailBackend

    def broken(self, messages):
        raise OSError("SMTP down")

    monkeypatch.setattr(EmailBackend, "send_messages", broken)
    run = send_digests("weekly")
    assert (run.sent, run.failed) == (0, 1)
    assert Digest.objects.get().status == "failed"
    monkeypatch.undo()
    assert send_digests("weekly").sent == 1
    assert len(mail.outbox) == 1 and Digest.objects.get().status == "sent"


def test_unsubscribe_without_login(client):
    user = subscriber()
    published()
    send_digests("weekly")
    link = mail.outbox[0].extra_headers["List-Unsubscribe"].strip("<>")
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]
    assert client.get(path).status_code == 200  # a confirmation page; nothing changed yet
    assert privacy.has_consent(user, "digest")
    assert client.post(path).status_code == 200  # one-click, no login, no CSRF token
    assert not privacy.has_consent(user, "digest")
    assert not user.saved_searches.exists()
    assert client.post(path.replace("/unsubscribe/", "/unsubscribe/x")).status_code == 400
    published()
    assert send_digests("monthly").sent == 0


def test_each_search_reads_a_bounded_number_and_the_count_says_so(monkeypatch):
    from volunteers import digests

    monkeypatch.setattr(digests, "PER_SEARCH", 2)
    monkeypatch.setattr(digests, "SHOWN", 1)
    user = subscriber()
    user.volunteer.language = "en"  # e-mails go in the volunteer's language
    user.volunteer.save()
    for _ in range(3):
        published()
    send_digests("weekly")
    [message] = mail.outbox
    assert message.body.count("งานอาสา") == 1 and "at least 1 more" in message.body
    assert f"Hello {user.volunteer.display_name}," in message.body
    assert f"{settings.SITE_URL}/en/opportunities/" in message.body
    assert f"{settings.SITE_URL}/en/digests/unsubscribe/" in message.body


def test_remote_ones_only_for_searches_that_ask_for_them():
    near_only = subscriber()
    remote = published(location=NEAR, mode="remote", precision="remote")
    hybrid = published(mode="hybrid")
    send_digests("weekly")
    [message] = mail.outbox
    assert message.to == [near_only.email]
    assert hybrid.title in message.body and remote.title not in message.body


@pytest.fixture
def gazetteer():
    """A transactional test before this one emptied the database."""
    if not Area.objects.exists():
        package_gazetteer.load()


@pytest.mark.django_db(transaction=True)
def test_each_mark_is_committed_on_its_own_while_the_next_email_is_written(gazetteer):
    users = [subscriber() for _ in range(4)]
    published()
    run = send_digests("weekly")
    assert run.sent == 4 and sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in users)
    elsewhere = connections.create_connection("default")  # sees only what was committed
    try:
        with elsewhere.cursor() as cursor:
            cursor.execute("SELECT DISTINCT status FROM volunteers_digest")
            assert cursor.fetchall() == [("sent",)]
    finally:
        elsewhere.close()
    assert send_digests("weekly").sent == 0


@pytest.mark.django_db(transaction=True)
def test_when_a_mark_cannot_be_written_no_more_emails_go_out(gazetteer, monkeypatch):
    for _ in range(5):
        subscriber()
    published()
    monkeypatch.setattr(
        sql, "DIGEST_SENT", b"UPDATE volunteers_digest SET nothing = $1 WHERE id = $2"
    )
    with pytest.raises(DatabaseError, match="nothing"):
        send_digests("weekly")
    assert len(mail.outbox) == 1  # the one whose mark failed; the next waited for it
    assert not Digest.objects.filter(status="sent").exists()
    assert not matching_threads()  # the batches matched ahead were let go


def matching_threads():
    return [t for t in threading.enumerate() if t.name == "digest-matching"]


@pytest.mark.django_db(transaction=True)
def test_the_next_batch_is_matched_ahead_on_a_connection_of_its_own(gazetteer, monkeypatch):
    users = [subscriber() for _ in range(5)]
    published()
    matched_on = []
    matched = digests._matched

    def recorded(params, batch):
        for rows in matched(params, batch):
            matched_on.append((threading.current_thread().name, id(connection.connection)))
            yield rows

    monkeypatch.setattr(digests, "_matched", recorded)
    run = send_digests("weekly", batch=2)
    assert run.sent == 5 and sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in users)
    assert [name for name, _ in matched_on] == ["digest-matching"] * 3  # batches of 2, 2, 1
    assert id(connection.connection) not in {conn for _, conn in matched_on}
    assert not matching_threads()


@pytest.mark.django_db(transaction=True)
def test_when_matching_fails_the_error_is_the_runs_and_nothing_goes_out(gazetteer, monkeypatch):
    subscriber()
    published()
    monkeypatch.setattr(sql, "DIGEST_MATCHES", "SELECT no_such_column FROM digest_searches")
    with pytest.raises(DatabaseError, match="no_such_column"):
        send_digests("weekly")
    assert mail.outbox == [] and not matching_threads()
    monkeypatch.undo()
    assert send_digests("weekly").sent == 1  # the next run is whole


@pytest.mark.parametrize("language", ["th", "en"])
def test_a_digest_is_the_same_mime_as_django_writes_it(language):
    """The run renders the text around each volunteer's own once and folds repeated headers
    once (volunteers.mail.DigestParts, DigestMessage): the bytes sent are those of the plain
    EmailMessage with the same text, to the byte."""
    from django.core.mail import EmailMessage

    from volunteers.mail import DigestParts, Listed, Recipient, digest

    parts = DigestParts()
    listed = [
        Listed(n, "สอนหนังสือเด็ก " * n, "มูลนิธิกระจกเงา", "Mirror Foundation", "ต.ศรีภูมิ")
        for n in range(1, 4)
    ]
    for n, name in enumerate(["สมชาย ใจดี" * 8, "O'Brien, Jr.", ""]):
        recipient = Recipient(n, f"ผู้ใช้{n}@example.org", name, language)
        for shown, total in ((listed, 3), (listed[:1], 57), ([], 150)):
            email = digest(recipient, shown, total, "weekly", parts, at_least=total >= 100)
            fixed = {"Date": "Mon, 07 Dec 2026 08:00:00 +0700", "Message-ID": f"<{n}@x>"}
            email.extra_headers.update(fixed)
            plain = EmailMessage(
                email.subject,
                email.body,
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=email.to,
                headers=email.extra_headers,
            )
            sent = email.message().as_bytes(linesep="\r\n")
            assert sent == plain.message().as_bytes(linesep="\r\n")
            subject = str(make_header(decode_header(message_from_bytes(sent)["Subject"])))
            assert str(total) in subject and name.encode() in sent
            assert all(o.title.encode() in sent for o in shown)
