"""Sign-ups follow what happens to their shifts, opportunities and volunteers, wherever it was
done (pages, API, admin): more places move the waiting list up; a closed or rejected opportunity
calls its coming shifts off; an account deleted in the admin gives up its places like an
erasure does; a new password revokes API tokens."""

from django.contrib.auth import get_user_model
from django.db.models.signals import post_save, pre_delete
from django.dispatch import receiver
from rest_framework.authtoken.models import Token

from opportunities.models import Opportunity, Shift, Status
from volunteers import signups


@receiver(post_save, sender=Shift)
def places_may_have_freed(sender, instance, created, raw=False, **kwargs):
    if not created and not raw:
        signups.promote(instance.pk)


@receiver(post_save, sender=Opportunity)
def opportunity_stopped(sender, instance, raw=False, **kwargs):
    if not raw and instance.status in (Status.CLOSED, Status.REJECTED):
        signups.call_off(instance)


@receiver(pre_delete, sender=get_user_model())
def account_deleted(sender, instance, **kwargs):
    signups.release_upcoming(instance)


@receiver(post_save, sender=get_user_model())
def password_changed(sender, instance, raw=False, **kwargs):
    """A new password (reset, change, admin) revokes the account's API tokens, as it ends its
    other sessions: whoever knew the old password may have made one. `set_password` keeps the
    new password in `_password` until the save that stores it (this one)."""
    if not raw and getattr(instance, "_password", None) is not None:
        Token.objects.filter(user=instance).delete()
