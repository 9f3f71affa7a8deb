"""Settings for the volunteer map, all read from the environment (documented in .env.example)."""

from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from django.core.management.utils import get_random_secret_key
from django.utils.translation import gettext_lazy as _

from common import thailand
from mapsite import env

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env.flag("DEBUG", default=False)

SECRET_KEY = env.get("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off (see .env.example).")
    # Development only: a key per process, so sessions end when the server restarts.
    SECRET_KEY = get_random_secret_key()

ALLOWED_HOSTS = env.items("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env.items("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "rest_framework_gis",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "leaflet",
    "csp",
    "django_celery_results",
    "common",
    "places",
    "opportunities",
    "geocoding",
    "volunteers",
    "needs",
    "notifications",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Pages, API answers and exports compressed for slow mobile networks (Django masks the CSRF
    # token per response, which is what BREACH would otherwise read).
    "django.middleware.gzip.GZipMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "common.replicas.ReplicaReadsMiddleware",
    # Inside GZip, so that the API's ETags are those of the answer before compression.
    "common.edge.SharedCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "common.middleware.ApiLanguageMiddleware",
    "common.middleware.RequestLimitsMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "common.middleware.ContentSecurityPolicyMiddleware",
    "common.errors.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "mapsite.urls"
WSGI_APPLICATION = "mapsite.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "mapsite.context_processors.site",
                "csp.context_processors.nonce",
            ],
        },
    },
]

# Database: any PostGIS through DATABASE_URL (postgis://user:pass@host:port/name). The `./dev`
# script starts a project-local cluster and points libpq at its socket with PGHOST / PGPORT.
DATABASE_URL = env.get("DATABASE_URL")
if not DATABASE_URL:
    raise ImproperlyConfigured(
        "DATABASE_URL is not set. Use `./dev run` (starts a local PostGIS) or set it to a PostGIS "
        "database, for example postgis://user:password@localhost:5432/volmap."
    )
# A connection is kept for DATABASE_CONN_MAX_AGE seconds (0: closed after each request), as long
# as the thread that opened it lives: mapsite/asgi.py turns it off.
_CONN_MAX_AGE = env.integer("DATABASE_CONN_MAX_AGE", 60)
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL, conn_max_age=_CONN_MAX_AGE, conn_health_checks=True
    )
}
if DATABASES["default"]["ENGINE"] != "django.contrib.gis.db.backends.postgis":
    raise ImproperlyConfigured("DATABASE_URL must use the postgis:// scheme.")
DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = env.integer(
    "DATABASE_CONNECT_TIMEOUT", 5
)
# PostgreSQL's JIT compiles a statement whose estimated cost is high, which short statements of
# this site reach by misestimate: 55 ms to compile the 15 ms "for you" statement, 30 ms for the
# uncovered needs' search. Off for the site's connections.
_options = DATABASES["default"]["OPTIONS"]
_options["options"] = f"{_options.get('options', '')} -c jit=off".strip()
# A statement that runs longer than DATABASE_STATEMENT_TIMEOUT seconds is stopped (0: never). The
# web server sets 120 (mapsite/web.py): a statement hung that long ends its request in an error
# rather than holding a worker's thread; commands and the scheduler's tasks run without it.
if _statement_timeout := env.integer("DATABASE_STATEMENT_TIMEOUT", 0):
    _options["options"] += f" -c statement_timeout={_statement_timeout}s"
# psycopg prepares a statement once it has run this many times on a connection, so that
# PostgreSQL plans it once. Django's own cursors write the parameters into the SQL and are never
# prepared; the radius searches kept by common.pages are (0.5 ms of planning each). 0 turns it
# off: behind a pooler in transaction mode without prepared statements (PgBouncer < 1.21).
_options["prepare_threshold"] = env.integer("DATABASE_PREPARE_THRESHOLD", 5) or None
# How long a browser, and a shared cache in front (deploy/nginx.conf), may keep a tile or a public
# API answer: a change shows within this time.
PUBLIC_MAX_AGE_SECONDS = env.integer("PUBLIC_MAX_AGE_SECONDS", 60)

# Read replicas: DATABASE_REPLICA_URLS (comma-separated, zero or more) take the anonymous public
# reads (common/replicas.py); everything else, and anyone who just wrote, stays on the primary.
for _n, _url in enumerate(env.items("DATABASE_REPLICA_URLS"), 1):
    DATABASES[f"replica_{_n}"] = {
        **dj_database_url.parse(_url, conn_max_age=_CONN_MAX_AGE, conn_health_checks=True),
        "OPTIONS": dict(_options),
        "TEST": {"MIRROR": "default"},  # the test database has no replica of its own
    }
DATABASE_ROUTERS = ["common.replicas.ReplicaRouter"]
# How long a person who wrote reads from the primary, and how far behind a replica may be.
DATABASE_PRIMARY_PIN_SECONDS = env.integer("DATABASE_PRIMARY_PIN_SECONDS", 15)
DATABASE_REPLICA_MAX_LAG_SECONDS = env.integer("DATABASE_REPLICA_MAX_LAG_SECONDS", 10)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache: CACHE_URL is redis://host:port/db (or unix:///path/redis.sock?db=N) for a cache that all
# workers share, as rate limits need (./dev starts a local Redis); locmem:// is per process.
CACHE_URL = env.get("CACHE_URL", "locmem://")
if CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
    }
elif CACHE_URL == "locmem://":
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    raise ImproperlyConfigured(
        f"CACHE_URL={CACHE_URL!r}: use redis://host:port/db, unix:///path.sock?db=N or locmem://."
    )
# With a shared cache, each process also keeps the map tiles it served last
# (opportunities.tiles.cached_tile): a hit there skips the shared cache's round trip, a sixth of a
# worker's time under the map's load. Keyed by the data's version like the shared entries, so never
# stale; at most 2,000 tiles (about 5 KB each gzipped, 20 KB at the densest) per process. Without
# one, the default cache is already the process's own: nothing is kept twice.
CACHES["tiles"] = (
    {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "tiles",
        "OPTIONS": {"MAX_ENTRIES": 2000},
    }
    if CACHES["default"]["BACKEND"].endswith("RedisCache")
    else {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
)

# Celery: the work outside the request (mapsite/celery.py). CELERY_BROKER_URL is any broker URL
# (redis://…, amqp://… for RabbitMQ); by default the cache's Redis, its keys under their own
# prefix. Without a shared Redis (CACHE_URL=locmem://) tasks run in the process that sends them.
CELERY_BROKER_URL = env.get("CELERY_BROKER_URL", "")
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # A task whose worker died is handed out again after this long (acks late, below).
    "visibility_timeout": env.integer("CELERY_VISIBILITY_TIMEOUT", 3600),
    # How often a worker looks for such tasks (Redis), in seconds.
    "unacked_restore_interval": env.integer("CELERY_RESTORE_INTERVAL", 60),
    "unacked_restore_throttle": 1,
}
if not CELERY_BROKER_URL and CACHE_URL.startswith("unix://"):
    _path, _query = [*CACHE_URL.removeprefix("unix://").split("?", 1), ""][:2]
    CELERY_BROKER_URL = f"redis+socket://{_path}"  # kombu reads database 0 on a socket
    CELERY_BROKER_TRANSPORT_OPTIONS["global_keyprefix"] = f"volmap-tasks-{_query}:"
elif not CELERY_BROKER_URL and CACHE_URL.startswith(("redis://", "rediss://")):
    CELERY_BROKER_URL = CACHE_URL
    CELERY_BROKER_TRANSPORT_OPTIONS["global_keyprefix"] = "volmap-tasks:"
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_RESULT_BACKEND = "django-db"  # django-celery-results: outcomes and durations in the admin
CELERY_RESULT_EXTENDED = True
CELERY_RESULT_EXPIRES = 7 * 24 * 3600
CELERY_TASK_TRACK_STARTED = True
# A task is acknowledged when it ends, so one whose worker is killed runs again; every task is
# written to be safe to run again (and to run twice at once).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TIMEZONE = "Asia/Bangkok"
# A digest claimed by a run that died is sent by the next run after this long.
DIGEST_CLAIM_LEASE_SECONDS = env.integer("DIGEST_CLAIM_LEASE_SECONDS", 15 * 60)
CELERY_BEAT_SCHEDULE_FILENAME = env.get(
    "CELERY_BEAT_SCHEDULE_FILENAME", str(BASE_DIR / "var" / "celerybeat-schedule")
)

# E-mail: the console in development, SMTP when EMAIL_HOST is set.
EMAIL_HOST = env.get("EMAIL_HOST", "")
EMAIL_PORT = env.integer("EMAIL_PORT", 587)
EMAIL_HOST_USER = env.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env.flag("EMAIL_USE_TLS", default=True)
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = env.get("DEFAULT_FROM_EMAIL", "แผนที่ทำดี <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Shown on the privacy notice for questions about personal data (PDPA); empty: not shown.
PRIVACY_CONTACT_EMAIL = env.get("PRIVACY_CONTACT_EMAIL", "")
# The site's address in links sent by e-mail (verification, confirmations, digests).
SITE_URL = env.get(
    "SITE_URL",
    f"https://{ALLOWED_HOSTS[0]}" if ALLOWED_HOSTS and not DEBUG else "http://127.0.0.1:8000",
).rstrip("/")

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Volunteers log in with their e-mail address, whatever its case (volunteers.accounts).
AUTHENTICATION_BACKENDS = ["volunteers.accounts.CaseInsensitiveBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "me"
LOGOUT_REDIRECT_URL = "home"

# Thai first, English one click away.
LANGUAGE_CODE = "th"
LANGUAGES = [("th", _("Thai")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Bangkok"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env.get("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.get("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Requests: small bodies only; nothing the API accepts is larger. Uploads (an incident's area, a
# hotline's CSV) are files and may be larger, up to MAX_REQUEST_BYTES for the whole request.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.integer("DATA_UPLOAD_MAX_MEMORY_SIZE", 1_048_576)
MAX_REQUEST_BYTES = env.integer("MAX_REQUEST_BYTES", 12 * 1_048_576)
CSRF_FAILURE_VIEW = "common.errors.csrf_failure"

# HTTPS and cookies. Behind a TLS-terminating proxy set SECURE_PROXY_SSL_HEADER_ENABLED=1.
SECURE_SSL_REDIRECT = env.flag("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # container and load-balancer probes speak plain HTTP
if env.flag("SECURE_PROXY_SSL_HEADER_ENABLED", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.integer("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env.flag("SECURE_HSTS_PRELOAD", default=not DEBUG)
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# gis.W001: GDAL older than 3.9 cannot itself block file and network access from a data source
# or spatial reference (Debian 12 ships 3.6). Here nothing a person sends can name one: the
# process's GDAL keeps only the shapefile driver, /vsicurl/ and GDAL's HTTP client are shut
# (common.gdal, at start-up), uploads are parsed without GDAL or unpacked under names chosen by
# the code (common.vectorfiles), and every SRID is fixed in code. tests/test_abuse.py proves it
# with a canary server.
SILENCED_SYSTEM_CHECKS = ["gis.W001"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.get("LOG_LEVEL", "INFO")},
}

# Downloaded official data (boundaries/, gazetteer/) for tests and benchmarks; never committed.
OPEN_DATA_DIR = Path(env.get("OPEN_DATA_DIR", str(BASE_DIR.parent / "shared" / "data")))

# Geocoding: offline gazetteer always, a remote geocoder only when asked (.env.example).
GEOCODING_REMOTE = env.get("GEOCODING_REMOTE", "")
GEOCODING_NOMINATIM_DOMAIN = env.get("GEOCODING_NOMINATIM_DOMAIN", "nominatim.openstreetmap.org")
GEOCODING_USER_AGENT = env.get("GEOCODING_USER_AGENT", "volunteer-map-thailand/0.1")
GEOCODING_TIMEOUT = env.integer("GEOCODING_TIMEOUT", 5)
GEOCODING_CACHE_DAYS = env.integer("GEOCODING_CACHE_DAYS", 30)
GEOCODING_RATE = env.get("GEOCODING_RATE", "60/min")
# Dotted path of a geopy adapter class; None is geopy's own. Tests use recorded answers.
GEOCODING_ADAPTER = None

REST_FRAMEWORK = {
    "EXCEPTION_HANDLER": "common.errors.api_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: a failed token answers 401 with WWW-Authenticate: Token.
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",  # enforces CSRF
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_PARSER_CLASSES": [
        "common.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_RENDERER_CLASSES": [
        "common.renderers.FastJSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "NUM_PROXIES": env.integer("NUM_PROXIES", 0),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Volunteer map of Thailand API",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "common.openapi.language_on_every_operation",
    ],
    "ENUM_NAME_OVERRIDES": {
        "GeometryTypeEnum": ["Point"],
        "FeatureTypeEnum": ["Feature"],
        "FeatureCollectionTypeEnum": ["FeatureCollection"],
        "OrganizationKindEnum": "places.models.OrganizationKind",
    },
}

# The map. MAP_TILES_URL is the base layer ({z}/{x}/{y} template); empty means no base layer,
# for networks that cannot reach a tile server: the map then shows only our own layers.
MAP_TILES_URL = env.get("MAP_TILES_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
MAP_TILES_ATTRIBUTION = env.get(
    "MAP_TILES_ATTRIBUTION",
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
)
# Content-Security-Policy: scripts only from this site or inline with the request's nonce (the
# Leaflet maps' start-up scripts carry it); images also from the base layer's tile server.
_TILE_ORIGIN = "/".join(MAP_TILES_URL.split("/")[:3]) if MAP_TILES_URL.startswith("http") else ""
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, UNSAFE_INLINE],  # style attributes in the admin and in Leaflet
        "img-src": [SELF, "data:", *([_TILE_ORIGIN] if _TILE_ORIGIN else [])],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
CONTENT_LICENCE = {
    "name": "CC BY-NC-SA 3.0 TH",
    "url": "https://creativecommons.org/licenses/by-nc-sa/3.0/th/",
}
LEAFLET_CONFIG = {
    "DEFAULT_CENTER": (13.0, 101.0),
    "DEFAULT_ZOOM": 6,
    "MIN_ZOOM": 5,
    "MAX_ZOOM": 18,
    "RESET_VIEW": False,
    "SPATIAL_EXTENT": thailand.EXTENT,  # the pages' scripts read it from the map
    "TILES": [(_("OpenStreetMap"), MAP_TILES_URL, MAP_TILES_ATTRIBUTION)] if MAP_TILES_URL else [],
    "ATTRIBUTION_PREFIX": '<a href="https://leafletjs.com">Leaflet</a>',
    # The zoom buttons' titles in the page's language, on every map
    "PLUGINS": {"locale": {"js": "js/leaflet-locale.js", "auto-include": True}},
}
