"""Margint settings: one module, every value read from the environment through django-environ."""

from __future__ import annotations

from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

MARGINT_ENV = env.str("MARGINT_ENV", default="development")
if MARGINT_ENV not in ("development", "production"):
    raise ImproperlyConfigured("MARGINT_ENV must be 'development' or 'production'.")
IS_PRODUCTION = MARGINT_ENV == "production"

DEBUG = env.bool("DEBUG", default=not IS_PRODUCTION)

_DEV_SECRET_KEY = "margint-development-only-secret-key-never-use-in-production"
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if DEBUG and not IS_PRODUCTION:
        SECRET_KEY = _DEV_SECRET_KEY
    else:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set the SECRET_KEY environment variable "
            "(a long random string) before starting Margint in production."
        )

# Fernet keys (urlsafe base64, 32 bytes) for secrets stored in the database, newest first,
# comma-separated, so a key can be rotated without losing what the old key encrypted.
_DEV_FIELD_KEY = "bWFyZ2ludC1kZXZlbG9wbWVudC1vbmx5LWtleS0wMDA="
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEY", default=[])
if not FIELD_ENCRYPTION_KEYS:
    if IS_PRODUCTION:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEY is not set: it encrypts Stripe keys and webhook secrets. "
            "Generate one with: python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())'"
        )
    FIELD_ENCRYPTION_KEYS = [_DEV_FIELD_KEY]

CRON_SECRET = env.str("CRON_SECRET", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[] if IS_PRODUCTION else ["*"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "django_htmx",
    "margint",
    "margins",
    "margins.costs",
    "publicapi.notifications",
    "billing",
    "mappings",
    "publicapi",
]

MIDDLEWARE = [
    "margint.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "margint.middleware.ApiErrorMiddleware",
]

ROOT_URLCONF = "margint.urls"
WSGI_APPLICATION = "margint.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "margint.context_processors.tenancy",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'margint.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("TEST", {})
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # SQLite serialises writers; give concurrent requests time instead of "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "margint.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="margint"),
            # A Redis that stops answering fails a cache call after this long instead of holding
            # the request and its worker (redis-py's own default is 5 s; here it is settable).
            "OPTIONS": {
                "socket_connect_timeout": env.float("REDIS_SOCKET_TIMEOUT_SECONDS", default=5.0),
                "socket_timeout": env.float("REDIS_SOCKET_TIMEOUT_SECONDS", default=5.0),
            },
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CELERY_BROKER_URL = "memory://"
    CELERY_RESULT_BACKEND = "cache+memory://"
    # Without Redis there is no broker: tasks run in-process so Margint works with nothing else installed.
    CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = "UTC"
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BEAT_SCHEDULE: dict = {
    # Every two hours, on the hour: one revenue-sync task per connected organization.
    "billing-revenue-sync": {
        "task": "billing.tasks.revenue_sync_fan_out",
        "schedule": crontab(minute=0, hour="*/2"),
    },
    # Budget webhooks (budget.threshold_crossed, budget.exceeded) for every budget.
    "publicapi-budget-alerts": {
        "task": "publicapi.tasks.budget_alerts_scan",
        "schedule": crontab(minute="*/5"),
    },
    # At UTC midnight: the new day's v1 window sums, shared with the web processes.
    "publicapi-window-sums": {
        "task": "publicapi.tasks.window_sums_prepare",
        "schedule": crontab(minute=0, hour=0),
    },
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"

LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

SESSION_COOKIE_SECURE = IS_PRODUCTION
CSRF_COOKIE_SECURE = IS_PRODUCTION
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if IS_PRODUCTION else None

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["margint.auth.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "margint.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}

# The public API's OpenAPI document (GET /api/v1/openapi.json): only the keyed /api/v1 and /v0 paths.
SPECTACULAR_SETTINGS = {
    "TITLE": "Margint Public API",
    "VERSION": "1.0.0",
    "OAS_VERSION": "3.1.0",
    "DESCRIPTION": (
        "Read API for per-customer AI margin data, budgets and the profitability summary. "
        "v1 is additive-only: new fields and endpoints may be added, but existing fields will not "
        "change type, be renamed, or be removed. Breaking changes ship as /v2/."
    ),
    "PREPROCESSING_HOOKS": ["publicapi.schema.public_paths_only"],
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_GENERATE_CHOICE_DESCRIPTION": False,
}

# Stripe: the gateway talks to this base address (tests and the demo point it at the loopback double).
STRIPE_API_BASE = env.str("STRIPE_API_BASE", default="https://api.stripe.com")
STRIPE_TIMEOUT_SECONDS = env.float("STRIPE_TIMEOUT_SECONDS", default=30.0)
# The stripe library's own retries, then the gateway's retries with exponential backoff.
STRIPE_MAX_NETWORK_RETRIES = env.int("STRIPE_MAX_NETWORK_RETRIES", default=2)
STRIPE_RETRIES = env.int("STRIPE_RETRIES", default=4)
STRIPE_RETRY_BACKOFF_SECONDS = env.float("STRIPE_RETRY_BACKOFF_SECONDS", default=2.0)
# Revenue sync: first sync reads 12 months back; later ones re-read an overlap before the last one.
STRIPE_SYNC_LOOKBACK_MONTHS = env.int("STRIPE_SYNC_LOOKBACK_MONTHS", default=12)
STRIPE_SYNC_OVERLAP_HOURS = env.int("STRIPE_SYNC_OVERLAP_HOURS", default=48)
STRIPE_SYNC_SOFT_TIME_LIMIT = env.int("STRIPE_SYNC_SOFT_TIME_LIMIT", default=25 * 60)
STRIPE_SYNC_TIME_LIMIT = env.int("STRIPE_SYNC_TIME_LIMIT", default=30 * 60)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # The stripe library logs every request at INFO; its errors reach Margint as exceptions.
    "loggers": {"django.db.backends": {"level": "WARNING"}, "stripe": {"level": "WARNING"}},
}
