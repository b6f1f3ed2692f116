"""Margint settings: one module, every value read from the environment through django-environ."""

from __future__ import annotations

import ipaddress
from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONCE
from django.core.exceptions import ImproperlyConfigured

from margint.logs import logging_config

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
# POST /v1/traces: the span or resource attributes naming a GenAI span's customer and feature,
# unless the organization names its own (publicapi.models.OtlpSettings). See docs/otlp.md.
OTLP_CUSTOMER_ATTRIBUTE = env.str("OTLP_CUSTOMER_ATTRIBUTE", default="margint.customer")
OTLP_FEATURE_ATTRIBUTE = env.str("OTLP_FEATURE_ATTRIBUTE", default="margint.feature")
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
    "axes",
    "csp",
    "margint",
    "margint.fx",
    "margins",
    "margins.costs",
    "publicapi.notifications",
    "publicapi.anomalies",
    "publicapi.budgets",
    "billing",
    "mappings",
    "publicapi",
]

MIDDLEWARE = [
    "margint.middleware.RequestIdMiddleware",
    "margint.metrics.MetricsMiddleware",
    "margint.db_router.ReplicaReadsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    "margint.middleware.ApiErrorMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the page that says so.
    "axes.middleware.AxesMiddleware",
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
# Each process keeps its connection this many seconds (0: a new one for every request, a few
# milliseconds of connecting and authenticating each time); it is checked before it is reused
# after an error or a restart of PostgreSQL. A `conn_max_age` in DATABASE_URL's query wins.
DATABASE_CONN_MAX_AGE = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"].setdefault("CONN_MAX_AGE", DATABASE_CONN_MAX_AGE)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"].setdefault("TEST", {})
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # SQLite serialises writers; give concurrent requests time instead of "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# A read replica for dashboard pages (margint/db_router.py, docs/deploy.md); tests read the
# primary through it.
DATABASE_REPLICA = bool(env.str("DATABASE_REPLICA_URL", default=""))
if DATABASE_REPLICA:
    DATABASES["replica"] = env.db("DATABASE_REPLICA_URL")
    DATABASES["replica"].setdefault("CONN_MAX_AGE", DATABASE_CONN_MAX_AGE)
    DATABASES["replica"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["margint.db_router.ReplicaRouter"]

REDIS_URL = env.str("REDIS_URL", default="")
# Every cache call and every task publication waits at most this long for Redis; after a failure
# the cache is left alone for REDIS_RETRY_AFTER_SECONDS and answers as a miss (margint/cache.py).
REDIS_SOCKET_TIMEOUT_SECONDS = env.float("REDIS_SOCKET_TIMEOUT_SECONDS", default=0.5)
REDIS_RETRY_AFTER_SECONDS = env.float("REDIS_RETRY_AFTER_SECONDS", default=5.0)
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "margint.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="margint"),
            # A Redis that stops answering fails a cache call after this long instead of holding
            # the request and its worker.
            "OPTIONS": {
                "socket_connect_timeout": REDIS_SOCKET_TIMEOUT_SECONDS,
                "socket_timeout": REDIS_SOCKET_TIMEOUT_SECONDS,
            },
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    # A broker that does not answer fails a task's publishing within about a second instead of
    # holding the request for kombu's default retries (19 to 31 s were seen): the caller then
    # says the work could not be queued (docs/hardening.md).
    CELERY_BROKER_CONNECTION_TIMEOUT = REDIS_SOCKET_TIMEOUT_SECONDS
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # Above the workers' one-second BRPOP, which a shorter read timeout would cut.
        "socket_timeout": max(REDIS_SOCKET_TIMEOUT_SECONDS, 2.0),
        "socket_connect_timeout": REDIS_SOCKET_TIMEOUT_SECONDS,
        "max_retries": 1,
    }
    CELERY_TASK_PUBLISH_RETRY_POLICY = {
        "max_retries": 1,
        "interval_start": 0,
        "interval_step": 0.2,
        "interval_max": 0.2,
    }
    CELERY_REDIS_SOCKET_TIMEOUT = REDIS_SOCKET_TIMEOUT_SECONDS
    CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = REDIS_SOCKET_TIMEOUT_SECONDS
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
    # Every minute: the heartbeat /readyz reads (margint/health.py).
    "margint-beat-heartbeat": {"task": "margint.tasks.beat_heartbeat", "schedule": 60.0},
    # Daily: the coming months' cost-event partitions are created, expired ones dropped.
    "margins-event-partitions": {
        "task": "margins.costs.tasks.event_partitions_maintain_task",
        "schedule": crontab(minute=17, hour=3),
    },
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
    # Every hour: cost anomalies of yesterday and of today so far, for every Pro organization.
    "publicapi-cost-anomalies": {
        "task": "publicapi.anomalies.tasks.cost_anomalies_scan",
        "schedule": crontab(minute=20),
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
# Production runs behind a proxy that ends TLS and says so in X-Forwarded-Proto (and names the
# client in X-Forwarded-For). Trusted by default in production; set TRUST_PROXY_HEADERS=false
# where Margint faces clients directly, or a client could claim https (docs/hardening.md).
TRUST_PROXY_HEADERS = env.bool("TRUST_PROXY_HEADERS", default=IS_PRODUCTION)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if TRUST_PROXY_HEADERS else None
# Plain http is redirected to https in production, except the health check a balancer makes.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=IS_PRODUCTION)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=365 * 24 * 3600 if IS_PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)

# Content-Security-Policy (django-csp), in every mode so that development meets it first: scripts
# come from Margint itself or carry the request's nonce; styles allow inline attributes (the
# charts' swatches and htmx's indicator style), never remote sheets.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Sign-in throttling (django-axes), on /accounts/login/ and /admin/login/ alike: after
# AXES_FAILURE_LIMIT wrong passwords from one address, or for one account, sign-in is refused for
# the cool-off time with a page that says so. Unlock at once: `manage.py axes_reset` (everyone),
# `axes_reset_username EMAIL` or `axes_reset_ip ADDRESS`.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
SESSION_API_RATE_LIMIT = env.int("SESSION_API_RATE_LIMIT", default=600)  # requests a minute per user
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "margint.throttling.client_ip"
AXES_USERNAME_FORM_FIELD = "username"
AXES_VERBOSE = False

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["margint.auth.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["margint.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "margint.errors.exception_handler",
    # Session callers of the JSON APIs are limited per user as keyed ones are per key.
    "DEFAULT_THROTTLE_CLASSES": ["margint.throttling.SessionRateThrottle"],
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

# Outgoing webhooks go to global addresses (and loopback outside production); these networks are
# allowed in every mode as well, for receivers on a private network (publicapi/notifications/urlguard.py).
WEBHOOK_ALLOWED_NETWORKS = [
    ipaddress.ip_network(n, strict=False) for n in env.list("WEBHOOK_ALLOWED_NETWORKS", default=[])
]

# Stripe: the gateway talks to this base address (tests and the demo point it at the loopback double).
STRIPE_API_BASE = env.str("STRIPE_API_BASE", default="https://api.stripe.com")
STRIPE_TIMEOUT_SECONDS = env.float("STRIPE_TIMEOUT_SECONDS", default=30.0)
# The stripe library's own retries, then the gateway's retries with exponential backoff.
STRIPE_MAX_NETWORK_RETRIES = env.int("STRIPE_MAX_NETWORK_RETRIES", default=2)
STRIPE_RETRIES = env.int("STRIPE_RETRIES", default=4)
STRIPE_RETRY_BACKOFF_SECONDS = env.float("STRIPE_RETRY_BACKOFF_SECONDS", default=2.0)
# Revenue sync: first sync reads 12 months back; later ones re-read an overlap before the last one.
# Exchange rates (docs/currencies.md): the ECB reference-rate file fetched daily by Celery beat
# when set (e.g. https://www.ecb.europa.eu/stats/eurofxref/eurofxref.zip); off by default.
FX_RATES_URL = env.str("FX_RATES_URL", default="")
FX_RATES_TIMEOUT_SECONDS = env.float("FX_RATES_TIMEOUT_SECONDS", default=30.0)
if FX_RATES_URL:
    # 16:00 CET is when the ECB publishes; 16:30 UTC is after it in summer and in winter.
    CELERY_BEAT_SCHEDULE["fx-rates-fetch"] = {
        "task": "margint.fx.tasks.fx_rates_fetch",
        "schedule": crontab(minute=30, hour=16),
    }

STRIPE_SYNC_LOOKBACK_MONTHS = env.int("STRIPE_SYNC_LOOKBACK_MONTHS", default=12)
STRIPE_SYNC_OVERLAP_HOURS = env.int("STRIPE_SYNC_OVERLAP_HOURS", default=48)
STRIPE_SYNC_SOFT_TIME_LIMIT = env.int("STRIPE_SYNC_SOFT_TIME_LIMIT", default=25 * 60)
STRIPE_SYNC_TIME_LIMIT = env.int("STRIPE_SYNC_TIME_LIMIT", default=30 * 60)

# Logs: JSON lines with the request id in production (LOG_FORMAT=json, the default without
# DEBUG), plain text in development. margint/logs.py.
LOGGING = logging_config(
    json=env.str("LOG_FORMAT", default="plain" if DEBUG else "json") == "json",
    level=env.str("LOG_LEVEL", default="INFO"),
)

# Errors to Sentry when SENTRY_DSN is set (sentry-sdk's Django and Celery integrations turn on by
# themselves); nothing is sent otherwise.
SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    import sentry_sdk

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=env.str("SENTRY_ENVIRONMENT", default="production"),
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
        send_default_pii=False,
    )

# Operations (docs/operations.md): /metrics needs `Authorization: Bearer <METRICS_TOKEN>` and is off
# without it; /readyz wants a beat heartbeat younger than BEAT_MAX_AGE_SECONDS (0: not checked).
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
METRICS_CELERY_QUEUES = env.list("METRICS_CELERY_QUEUES", default=["celery"])
BEAT_MAX_AGE_SECONDS = env.int("BEAT_MAX_AGE_SECONDS", default=300)
READYZ_TIMEOUT_SECONDS = env.float("READYZ_TIMEOUT_SECONDS", default=1.0)
# Raw cost events older than this many whole months are dropped with their monthly partition
# (PostgreSQL); daily rollups and monthly totals are kept forever. 0 keeps every event.
COST_EVENT_RETENTION_MONTHS = env.int("COST_EVENT_RETENTION_MONTHS", default=13)
