from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def create_coordinators_group(sender, **kwargs):
    """Coordinators: a role that manages needs and incidents and reads coverage."""
    from django.contrib.auth.models import Group, Permission

    group, _created = Group.objects.get_or_create(name="coordinators")
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="needs",
            codename__in=[
                "coordinate",
                "add_need",
                "change_need",
                "view_need",
                "add_incident",
                "change_incident",
                "view_incident",
            ],
        )
    )


class NeedsConfig(AppConfig):
    name = "needs"
    verbose_name = _("needs and incidents")

    def ready(self):
        from needs import signals  # noqa: F401
        from needs.params import opportunities_of_incident
        from opportunities.filters import add_filter

        add_filter("incident", opportunities_of_incident)

        post_migrate.connect(create_coordinators_group, sender=self)
