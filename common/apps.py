from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "common"
    verbose_name = "common"

    def ready(self):
        from common import checks, gdal, lookups  # noqa: F401  (they register themselves)

        gdal.lock_down()
