"""Settings for the question bank service, read from environment variables.

Every setting a deployment may change is documented in README.md
("Configuration"). Values are parsed strictly: a malformed value stops the
process with ImproperlyConfigured instead of being silently ignored.
"""

from pathlib import Path

import environ
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def envbool(name: str, default: bool) -> bool:
    """Read a boolean environment variable; anything unrecognised is an error."""
    raw = env.str(name, default=str(default)).strip().lower()
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use 1/0, true/false, yes/no)")


DEBUG = envbool("DEBUG", False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set the SECRET_KEY environment variable "
            "(or DEBUG=1 for local development only)."
        )
    SECRET_KEY = "django-insecure-development-only-key-do-not-use-in-production"

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])

# HTTPS: on by default in production (DEBUG off), so `check --deploy` passes as
# shipped. HTTPS=0 only for plain-HTTP set-ups on loopback (tests, benchmarks).
HTTPS = envbool("HTTPS", not DEBUG)
if HTTPS:
    SECURE_SSL_REDIRECT = True
    # Load balancers probe /healthz over plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=365 * 24 * 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", True)
# Behind a proxy that terminates TLS and sets X-Forwarded-Proto (and strips it
# from clients), so Django knows the request came in over HTTPS.
if envbool("TRUST_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content security policy (django-csp) for the admin, the print pages and the
# API docs: everything from this origin, no inline scripts, no framing. Inline
# styles stay allowed: the admin's templates and the print layout use them.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

INSTALLED_APPS = [
    # modeltranslation patches the admin, so it must come before it.
    "modeltranslation",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "import_export",
    "csp",
    "questionbank",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "questionbank.limits.APIBodySizeLimitMiddleware",
    # Static files (the admin's CSS and JS, the API docs) straight from the app servers.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # ETag on every GET and 304 for a matching If-None-Match / If-Modified-Since.
    "django.middleware.http.ConditionalGetMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Records who made each change in the history (django-simple-history).
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Innermost, so it sees a lost database connection first: 503 instead of a 500.
    "questionbank.health.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "interviews.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "interviews.wsgi.application"

# SQLite file in the project folder unless DATABASE_URL says otherwise,
# e.g. postgres://user:password@host:5432/questionbank
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several requests at once: readers never wait for the writer (WAL), writers queue
    # for the lock up to 20 s instead of failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            # Measured under POST /api/v1/kits/ from 4 processes (kernel time per kit about
            # halved): temporary tables and statement journals in memory, not in files made
            # and deleted per kit; the WAL copied back into the database every 10,000 pages
            # (40 MB) rather than 1,000, so a page written by many kits is copied once. No
            # memory map: the database grows with every kit, and each process then maps it
            # again.
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA temp_store=MEMORY; "
                "PRAGMA wal_autocheckpoint=10000;"
            ),
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
# Each server process keeps its connection between requests: opening one per request
# costs more than a kit (a PostgreSQL backend to start; SQLite's schema to read again).
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend with a health check that costs no round trip on a quiet connection,
    # and the bank's token known from a LISTEN (see questionbank/postgresql/base.py).
    DATABASES["default"]["ENGINE"] = "questionbank.postgresql"
    # Parameters sent apart from the SQL, and a statement run DATABASE_PREPARE_THRESHOLD
    # times prepared on its connection: the server stops parsing and planning the kit's
    # INSERT (and its 13 KB snapshot as a literal) on every kit. Behind PgBouncer in
    # transaction mode, set DATABASE_PREPARE_THRESHOLD=0 (PgBouncer before 1.21 cannot
    # keep prepared statements).
    threshold = env.int("DATABASE_PREPARE_THRESHOLD", default=5)
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"server_side_binding": True, "prepare_threshold": threshold or None}
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Languages of the bank's content. English is the source language and the
# fallback for every translated text.
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("nl", _("Dutch")),
    ("de", _("German")),
    ("it", _("Italian")),
]
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_FALLBACK_LANGUAGES = ("en",)
LOCALE_PATHS = [BASE_DIR / "questionbank" / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Europe/Amsterdam")
USE_I18N = True
USE_TZ = True

# Browsers without a session are sent here (print views).
LOGIN_URL = "admin:login"

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # `collectstatic` writes compressed copies; WhiteNoise serves them with caching headers.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Without a collectstatic run (development, tests), serve from the apps' static folders.
WHITENOISE_USE_FINDERS = True

# Local memory by default: every process has its own. Several app servers share one
# Redis: CACHE_URL=redis://host:6379/0 (rate-limit counters, rendered kits).
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}
# How long a stored kit's rendered JSON and PDF stay cached (kits never change).
KIT_CACHE_SECONDS = env.int("KIT_CACHE_SECONDS", default=24 * 3600)
# PostgreSQL: each connection LISTENs for changes to the bank, so that a kit reads the bank's
# token only after one (questionbank/postgresql/base.py). 0 behind PgBouncer in transaction mode.
BANK_LISTEN = env.bool("DATABASE_LISTEN", default=True)
# Megabytes of question snapshots (JSON text, about 3 KB each) each process keeps for kit
# assembly: a kit reads the database for the questions not kept (see bank_cache.py).
BANK_CACHE_MB = env.int("BANK_CACHE_MB", default=32)
# JSON dumps (backups) keep times to the microsecond.
SERIALIZATION_MODULES = {"json": "questionbank.serialization"}

# The largest API request body accepted (413 beyond it).
API_MAX_BODY_BYTES = env.int("API_MAX_BODY_BYTES", default=1024 * 1024)
# How long a valid API token is remembered (see questionbank/api/authentication.py).
TOKEN_CACHE_SECONDS = env.int("TOKEN_CACHE_SECONDS", default=60)
# Serve /bench/fixed-kit/, a pre-serialised kit body: the benchmark's upper bound.
BENCHMARK_ENDPOINT = envbool("BENCHMARK_ENDPOINT", False)

REST_FRAMEWORK = {
    # Token first, so an anonymous request gets 401 with `WWW-Authenticate: Token`.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "questionbank.api.authentication.CachedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "questionbank.api.renderers.StrictContentNegotiation",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "questionbank.api.pagination.Pagination",
    "DEFAULT_SCHEMA_CLASS": "questionbank.api.schema.BankAutoSchema",
    "EXCEPTION_HANDLER": "questionbank.api.errors.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["questionbank.api.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["questionbank.api.parsers.JSONParser"],
    # DRF's, counted in fixed windows: constant cost per request (see api/throttling.py).
    "DEFAULT_THROTTLE_CLASSES": [
        "questionbank.api.throttling.AnonRateThrottle",
        "questionbank.api.throttling.UserRateThrottle",
    ]
    if envbool("API_THROTTLE", True)
    else [],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_THROTTLE_ANON", default="60/minute"),
        "user": env.str("API_THROTTLE_USER", default="1200/minute"),
    },
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Interview question bank API",
    "DESCRIPTION": (
        "Roles, competencies and interview questions with behaviourally anchored rubrics, "
        "in English, Dutch, German and Italian. Authenticate with `Authorization: Token <key>` "
        "(tokens are created in the admin or at /api/v1/auth/token/) or a staff session."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "LevelEnum": "questionbank.models.Level",
        "QuestionTypeEnum": "questionbank.models.Question.Type",
        "RubricSourceEnum": ["question", "competency"],
        "QuestionStatusEnum": "questionbank.models.Question.Status",
        "ScreeningOutcomeEnum": ["passed", "failed", "scored", "recorded", "unanswered"],
    },
}

# Spreadsheet import/export: every import runs in one transaction.
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = False
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "change"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # The PDF renderer's font subsetter logs every glyph table at INFO.
    "loggers": {
        "fontTools": {"level": "WARNING", "propagate": False},
        "weasyprint": {"level": "WARNING"},
    },
}
