"""GDAL locked down for the whole process: it may open ESRI shapefiles and nothing else, and it can
reach no network.

GDAL picks a driver by a file's content, and many drivers follow references: an OGR VRT names
other files and /vsicurl/ URLs, a GeoJSON `crs` link is fetched, WFS and other drivers speak HTTP.
Debian 12's GDAL 3.6 has no switch against that (Django's gis.W001), so at start-up every driver
but the shapefile one is deregistered, /vsicurl/ and the cloud file systems built on it accept no
file name, and GDAL's own HTTP client is sent to a closed local port. Uploaded GeoJSON never
reaches GDAL at all (common.vectorfiles parses it); tests/test_abuse.py proves all of this with a
canary server.
"""

import ctypes

from django.contrib.gis.gdal import Driver
from django.contrib.gis.gdal.libgdal import lgdal

ALLOWED_DRIVERS = ("ESRI Shapefile",)

# Config options read by GDAL itself (not environment variables, so that no other HTTP client in
# the process is affected).
CONFIG = {
    # /vsicurl/, /vsis3/, /vsigs/, /vsiaz/ … open only this name, which is not a URL.
    "CPL_VSIL_CURL_ALLOWED_FILENAME": "/vsicurl/disabled",
    "CPL_VSIL_CURL_ALLOWED_EXTENSIONS": ".disabled",
    # CPLHTTPFetch (drivers that speak HTTP themselves): a proxy on a port nothing listens on.
    "GDAL_HTTP_PROXY": "127.0.0.1:9",
    "GDAL_HTTP_TIMEOUT": "1",
    "GDAL_HTTP_MAX_RETRY": "0",
    "GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR",
    "OGR_GEOJSON_MAX_OBJ_SIZE": "0",
}

_set_config = lgdal.CPLSetConfigOption
_set_config.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
_set_config.restype = None
_deregister = lgdal.GDALDeregisterDriver
_deregister.argtypes = [ctypes.c_void_p]
_deregister.restype = None
_destroy = lgdal.GDALDestroyDriver
_destroy.argtypes = [ctypes.c_void_p]
_destroy.restype = None


def lock_down() -> None:
    """Idempotent: configure GDAL and drop every driver that is not allowed."""
    for name, value in CONFIG.items():
        _set_config(name.encode(), value.encode())
    Driver.ensure_registered()  # registers all drivers once; later calls see them and do nothing
    for index in reversed(range(Driver.driver_count())):
        driver = Driver(index)
        if driver.name not in ALLOWED_DRIVERS:
            pointer = driver.ptr
            _deregister(pointer)
            _destroy(pointer)


def registered_drivers() -> list[str]:
    return [Driver(index).name for index in range(Driver.driver_count())]
