from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlacesConfig(AppConfig):
    name = "places"
    verbose_name = _("Places")

    def ready(self):
        from geocoding import areas
        from places.gazetteer import Areas

        areas.supply(Areas())  # the geocoder, below this app, reads the areas through it
