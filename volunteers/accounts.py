"""Accounts: registration (the e-mail address is the username, in lower case) and the pending
account that a new registration of the same address replaces."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode

from volunteers import privacy
from volunteers.models import Purpose, Volunteer


class CaseInsensitiveBackend(ModelBackend):
    """Log in by username (for volunteers, their e-mail address) whatever its case."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        users = get_user_model().objects.filter(username__iexact=username.strip())
        user = users.first() if users.count() == 1 else None
        if user is None:
            make_password(password)  # the same time as a real check
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None


def register(data, language):
    """The new, not yet verified, account; None when the address has a verified one already. A
    pending account of the same address is replaced (a lost link, a typo, or someone else's
    registration of this address: only the person who opens the link and knows the password
    chosen with it can verify)."""
    users = get_user_model().objects
    email = data["email"]
    same = users.filter(Q(email__iexact=email) | Q(username__iexact=email))
    if same.filter(is_active=True).exists():
        make_password(data["password1"])  # as long as the other path takes
        return None
    try:
        with transaction.atomic():
            same.filter(is_active=False, last_login__isnull=True).delete()
            user = users.create_user(
                username=email, email=email, password=data["password1"], is_active=False
            )
            Volunteer.objects.create(
                user=user, display_name=data["display_name"], phone=data["phone"], language=language
            )
            privacy.give_consent(user, Purpose.ACCOUNT)
    except IntegrityError:  # the same address registered at the same moment
        return None
    return user


def user_of_link(uidb64):
    try:
        return get_user_model().objects.get(pk=force_str(urlsafe_base64_decode(uidb64)))
    except (ValueError, TypeError, OverflowError, get_user_model().DoesNotExist):
        return None
