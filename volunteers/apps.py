from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VolunteersConfig(AppConfig):
    name = "volunteers"
    verbose_name = _("volunteers")

    def ready(self):
        from common.errors import register_constraint_message
        from opportunities import bookings
        from volunteers import signals  # noqa: F401
        from volunteers.bookings import SignUps

        bookings.supply(SignUps())  # the opportunities app, below this one, asks through it

        register_constraint_message(
            "signup_within_capacity",
            _("A shift cannot have more confirmed volunteers than places."),
        )
