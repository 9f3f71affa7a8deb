from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "common"
    verbose_name = "common"

    def ready(self):
        from common import gdal

        gdal.lock_down()
