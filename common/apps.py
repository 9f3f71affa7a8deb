from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "common"
    verbose_name = "common"

    def ready(self):
        from common import checks, gdal  # noqa: F401  (checks register themselves)

        gdal.lock_down()
