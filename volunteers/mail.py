"""The e-mails a volunteer gets, each in their own language, with absolute links to the site."""

import re
from dataclasses import dataclass
from email.policy import Compat32
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core import signing
from django.core.mail import EmailMessage
from django.core.mail.message import forbid_multi_line_headers, sanitize_address
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
    """What the digests of a run share, made once: the links; each opportunity's lines in each
    language (an opportunity new this week is listed in dozens of e-mails: rendering them in
    every e-mail was a fifth of its time; at most KEPT are kept, the oldest said again past
    that); the e-mail's text around what is each volunteer's own, once for each language and
    count (rendering the whole template for every e-mail was a third of its Python); the sender
    and the subjects, their Thai encoded for the header once, not for every e-mail."""

    KEPT = 100_000  # about 30 MB
    # What the frame of the text leaves for each e-mail to fill in.
    OWN = {"name": "\x00name\x00", "listed": "\x00listed\x00", "unsubscribe": "\x00unsubscribe\x00"}
    _OWN_SPLIT = re.compile("(" + "|".join(OWN.values()) + ")")

    def __init__(self):
        self.links = Links()
        self.sender = sanitize_address(settings.DEFAULT_FROM_EMAIL, settings.DEFAULT_CHARSET)
        self._said = {}
        self._frames = {}
        self._subjects = {}

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

    def text(self, language, frequency, total, shown, at_least, **own) -> str:
        """The digest's text (its subject on the first line): the template rendered once for
        this language and these counts, with OWN's values (name, listed, unsubscribe) put in."""
        key = (language, frequency, total, shown, at_least)
        pieces = self._frames.get(key)
        if pieces is None:
            with translation.override(language):
                frame = render_to_string(
                    "volunteers/email/digest.txt",
                    {
                        **self.OWN,
                        "total": total,
                        "more": total - shown,
                        "at_least": at_least,
                        "frequency": frequency,
                        "searches": self.links.to(language, "saved-searches"),
                    },
                )
            pieces = self._frames[key] = self._OWN_SPLIT.split(frame)
        values = {self.OWN[name]: value for name, value in own.items()}
        return "".join([values.get(piece, piece) for piece in pieces])

    def subject(self, subject) -> str:
        """The Subject header's value as Django writes it (RFC 2047 words for Thai)."""
        if subject not in self._subjects:
            self._subjects[subject] = forbid_multi_line_headers("Subject", subject, "utf-8")[1]
        return self._subjects[subject]


class _Folded(Compat32):
    """compat32, the policy Django's messages use, with a header of plain ASCII that fits on its
    line written as it is (what compat32 writes for it, without email.header's folding
    machinery, which cost a quarter of a digest e-mail's Python), and the others folded once."""

    def __init__(self, **kw):
        super().__init__(**kw)
        object.__setattr__(self, "_folded", {})

    def _fold(self, name, value, sanitize):
        if (
            value.isascii()
            and len(name) + len(value) + 2 <= self.max_line_length
            and "\n" not in value
            and "\r" not in value
        ):
            return f"{name}: {value}{self.linesep}"
        key = (name, value, self.linesep, self.max_line_length)
        folded = self._folded.get(key)
        if folded is None:
            folded = super()._fold(name, value, sanitize)
            if len(self._folded) < 10_000:  # subjects: a few hundred
                self._folded[key] = folded
        return folded


class DigestMessage(EmailMessage):
    """A digest e-mail: its MIME as EmailMessage writes it, with the subject encoded once per
    run (DigestParts) and the headers that repeat folded once."""

    policy = _Folded()

    def __init__(self, *args, parts: DigestParts, **kwargs):
        super().__init__(*args, **kwargs)
        self.parts = parts

    def message(self):
        subject, self.subject = self.subject, ""  # encoded once, by the run's parts
        try:
            msg = super().message()
        finally:
            self.subject = subject
        msg.replace_header("Subject", self.parts.subject(subject))
        msg.policy = self.policy
        return msg


def digest(recipient, listed, total, frequency, parts, at_least=False) -> EmailMessage:
    """The digest of new opportunities near the volunteer (one e-mail for all their searches):
    a Recipient, the Listed opportunities, the DigestParts of the run."""
    language, links = recipient.language, parts.links
    unsubscribe = links.to(language, "unsubscribe", unsubscribe_token(recipient.pk))
    text = parts.text(
        language,
        frequency,
        total,
        len(listed),
        at_least,
        name=recipient.name,
        listed="".join(["\n" + parts.entry(language, o) for o in listed]),
        unsubscribe=unsubscribe,
    )
    subject, _, body = text.strip().partition("\n")
    # RFC 8058 one-click unsubscribe: mail clients POST to the link.
    headers = {
        "List-Unsubscribe": f"<{unsubscribe}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    return DigestMessage(
        subject.strip(),
        body.strip() + "\n",
        from_email=parts.sender,
        to=[recipient.email],
        headers=headers,
        parts=parts,
    )
