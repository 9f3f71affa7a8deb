from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

MODERATORS = "moderators"


def ensure_moderators_group(**kwargs):
    """The moderators group holds both moderation permissions (made after migrations)."""
    from django.contrib.auth.models import Group, Permission

    group, _ = Group.objects.get_or_create(name=MODERATORS)
    group.permissions.add(
        *Permission.objects.filter(codename__in=["moderate_opportunity", "moderate_organization"])
    )


class OpportunitiesConfig(AppConfig):
    name = "opportunities"
    verbose_name = _("Opportunities")

    def ready(self):
        post_migrate.connect(ensure_moderators_group, sender=self)
