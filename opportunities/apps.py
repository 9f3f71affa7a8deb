from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

MODERATORS = "moderators"


MODERATOR_PERMISSIONS = [
    "moderate_opportunity",
    "moderate_organization",
    "view_opportunity",
    "change_opportunity",
    "view_organization",
    "change_organization",
    "view_shift",
    "change_shift",
    "view_membership",
    "view_staffchange",
    "view_trustchange",
    "view_vouch",
]


def ensure_moderators_group(**kwargs):
    """The moderators group: moderation, and the admin pages it happens on (made after
    migrations, when the permissions exist). Moderators see who works for an organization but
    cannot change it: staff read rosters (places.staff)."""
    from django.contrib.auth.models import Group, Permission

    group, _ = Group.objects.get_or_create(name=MODERATORS)
    # Exactly these: a permission dropped from the list (adding staff, say) is taken back.
    group.permissions.set(
        Permission.objects.filter(
            codename__in=MODERATOR_PERMISSIONS,
            content_type__app_label__in=["opportunities", "places"],
        )
    )


class OpportunitiesConfig(AppConfig):
    name = "opportunities"
    verbose_name = _("Opportunities")

    def ready(self):
        from opportunities import signals  # noqa: F401  (connects the map's receivers)
        from opportunities.filters import organizations_for_causes, organizations_with_open_work
        from places.filters import add_filter

        add_filter("cause", organizations_for_causes)
        add_filter("open", organizations_with_open_work)

        post_migrate.connect(ensure_moderators_group, sender=self)
