"""The e-mails a volunteer gets, each in their own language, with absolute links to the site."""

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core import signing
from django.core.mail import EmailMessage
from django.core.mail.message import sanitize_address
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from opportunities.exports import ical

UNSUBSCRIBE_SALT = "volunteers.unsubscribe"


class EmailVerificationTokens(PasswordResetTokenGenerator):
    """A link that activates the account; it stops working once used (is_active changes)."""

    key_salt = "volunteers.verify"

    def _make_hash_value(self, user, timestamp):
        login = "" if user.last_login is None else user.last_login.replace(microsecond=0)
        return f"{user.pk}{user.is_active}{user.email}{user.password}{login}{timestamp}"


verification_tokens = EmailVerificationTokens()


def site_domain() -> str:
    return urlsplit(settings.SITE_URL).hostname or "localhost"


def site_url(name, *args) -> str:
    return settings.SITE_URL + reverse(name, args=args)


def site_url_for(user, name, *args) -> str:
    """A link for an e-mail to the user: the page in the user's language (/en/… or Thai), not in
    whatever language the code that sends it has active."""
    with translation.override(language_of(user) if user else settings.LANGUAGE_CODE):
        return site_url(name, *args)


def language_of(user) -> str:
    profile = getattr(user, "volunteer", None)
    return profile.language if profile else settings.LANGUAGE_CODE


def unsubscribe_token(user_id) -> str:
    return signing.dumps(user_id, salt=UNSUBSCRIBE_SALT)


def user_of_unsubscribe_token(token: str):
    """The user id in a digest's unsubscribe link, or None when it was not made by us."""
    try:
        return signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None


def message(user, template, context, *, to=None, folder="volunteers/email") -> EmailMessage:
    """Render templates/<folder>/<template>.txt (first line: the subject) in the user's
    language."""
    with translation.override(language_of(user) if user else settings.LANGUAGE_CODE):
        text = render_to_string(
            f"{folder}/{template}.txt",
            {"user": user, "site_url": settings.SITE_URL, **context},
        )
    subject, _, body = text.strip().partition("\n")
    return EmailMessage(subject.strip(), body.strip() + "\n", to=[to or user.email])


def verification(user):
    with translation.override(language_of(user)):
        link = site_url(
            "verify-email",
            urlsafe_base64_encode(force_bytes(user.pk)),
            verification_tokens.make_token(user),
        )
    message(user, "verify", {"link": link}).send()


def already_registered(email):
    """Someone registered with an address that has an account: tell its owner, not the visitor
    (who learns nothing about which addresses have accounts)."""
    message(
        None,
        "already_registered",
        {"login": site_url("login"), "reset": site_url("password_reset")},
        to=email,
    ).send()


def _shift_message(signup_id, template):
    from volunteers.models import SignUp

    signup = SignUp.objects.select_related(
        "shift__opportunity__organization", "volunteer__volunteer"
    ).get(pk=signup_id)
    user, shift = signup.volunteer, signup.shift
    opportunity = shift.opportunity
    with translation.override(language_of(user)):
        context = {
            "signup": signup,
            "shift": shift,
            "opportunity": opportunity,
            "link": site_url("opportunity-detail-page", opportunity.pk),
            "mine": site_url("me"),
        }
    email = message(user, template, context)
    # The same for every attempt: a task run again after its worker died sends the same message,
    # which mail clients show once.
    email.extra_headers["Message-ID"] = f"<{template}.{signup.pk}@{site_domain()}>"
    if signup.status == "confirmed":
        body = ical(opportunity.title, [opportunity], settings.SITE_URL, shifts=[shift])
        email.attach("shift.ics", body, "text/calendar; charset=utf-8")
    return email


SHIFT_EMAILS = {
    "signed_up": "confirmed (with the shift as an iCal attachment) or on the waiting list",
    "promoted": "a place freed up and the volunteer on the waiting list has it now",
    "called_off": "the organization closed the opportunity: the volunteer's place is cancelled",
}


def shift_email(signup_id, template):
    """One of SHIFT_EMAILS, sent now (volunteers.tasks.shift_email sends it from a worker)."""
    _shift_message(signup_id, template).send()


def reminder(signup_id):
    _shift_message(signup_id, "reminder").send()


@dataclass(frozen=True)
class Recipient:
    """Who a digest goes to: what its e-mail needs of the user and their profile, read as plain
    values for a whole batch at once."""

    pk: int
    email: str
    name: str
    language: str


@dataclass(frozen=True)
class Listed:
    """An opportunity as a digest lists it."""

    pk: int
    title: str
    organization_th: str
    organization_en: str
    address: str

    def organization(self, language):
        return (
            self.organization_en
            if language == "en" and self.organization_en
            else self.organization_th
        )


class Links:
    """Absolute links for many e-mails: each kind reversed once per language, then filled in (a
    digest run makes tens of thousands; reverse() for each was a tenth of its time)."""

    HOLE = "0123456789"  # matches every converter the filled-in links use (int and str)

    def __init__(self):
        self._patterns = {}

    def to(self, language, name, arg=None) -> str:
        key = (language, name)
        if key not in self._patterns:
            with translation.override(language):
                url = site_url(name, *([] if arg is None else [self.HOLE]))
            self._patterns[key] = url.replace(self.HOLE, "{}") if arg is not None else url
        pattern = self._patterns[key]
        return pattern if arg is None else pattern.format(arg)


class DigestParts:
    """What the digests of a run share, made once: the links, each opportunity's lines in each
    language (an opportunity new this week is listed in dozens of e-mails: rendering them in
    every e-mail was a fifth of its time; at most KEPT are kept, the oldest said again past
    that), and the sender, its Thai name encoded for the header once, not for every e-mail."""

    KEPT = 100_000  # about 30 MB

    def __init__(self):
        self.links = Links()
        self.sender = sanitize_address(settings.DEFAULT_FROM_EMAIL, settings.DEFAULT_CHARSET)
        self._said = {}

    def entry(self, language, o: Listed) -> str:
        key = (language, o.pk)
        entry = self._said.get(key)
        if entry is None:
            entry = render_to_string(
                "volunteers/email/digest_entry.txt",
                {
                    "title": o.title,
                    "organization": o.organization(language),
                    "address": o.address,
                    "link": self.links.to(language, "opportunity-detail-page", o.pk),
                },
            )
            if len(self._said) >= self.KEPT:
                del self._said[next(iter(self._said))]
            self._said[key] = entry
        return entry


def digest(recipient, listed, total, frequency, parts, at_least=False) -> EmailMessage:
    """The digest of new opportunities near the volunteer (one e-mail for all their searches):
    a Recipient, the Listed opportunities, the DigestParts of the run."""
    language, links = recipient.language, parts.links
    unsubscribe = links.to(language, "unsubscribe", unsubscribe_token(recipient.pk))
    with translation.override(language):
        text = render_to_string(
            "volunteers/email/digest.txt",
            {
                "name": recipient.name,
                "opportunities": [parts.entry(language, o) for o in listed],
                "total": total,
                "more": total - len(listed),
                "at_least": at_least,
                "frequency": frequency,
                "unsubscribe": unsubscribe,
                "searches": links.to(language, "saved-searches"),
            },
        )
    subject, _, body = text.strip().partition("\n")
    # RFC 8058 one-click unsubscribe: mail clients POST to the link.
    headers = {
        "List-Unsubscribe": f"<{unsubscribe}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    return EmailMessage(
        subject.strip(),
        body.strip() + "\n",
        from_email=parts.sender,
        to=[recipient.email],
        headers=headers,
    )
