"""Settings shared by every environment. Everything secret or site-specific comes from the
environment (see README, "Configuration")."""

from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()

SECRET_KEY = env("SECRET_KEY")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
# The public host: the platform's landing page and the operators' admin.
PUBLIC_HOST = env("PUBLIC_HOST", default="localhost")
# How council URLs are written in emails and printed links (scheme and optional port).
PUBLIC_URL_SCHEME = env("PUBLIC_URL_SCHEME", default="https")
PUBLIC_URL_PORT = env("PUBLIC_URL_PORT", default="")

# --- Tenancy ---------------------------------------------------------------------------------
# auth, contenttypes, sessions, admin and guardian are in both lists: users, sessions and object
# permissions live inside each council's schema (DESIGN.md §2). Never move an app between lists
# once its migrations exist.
SHARED_APPS = [
    "django_tenants",
    "tenants",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.admin",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "guardian",
    "accounts",
]
TENANT_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.admin",
    "guardian",
    "accounts",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "core",
    "civic",
    "community",
    "alerts",
    "reports",
]
INSTALLED_APPS = list(SHARED_APPS) + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "tenants.Council"
TENANT_DOMAIN_MODEL = "tenants.Domain"
PUBLIC_SCHEMA_NAME = "public"
# New councils are cloned from a template schema (kept migrated by migrate_schemas) instead of
# replaying every migration: provisioning stays fast as migrations accumulate.
TENANT_BASE_SCHEMA = "council_template"
TENANT_CREATION_FAKES_MIGRATIONS = True
# Ready clones of the template kept for fast provisioning (tenants/spares.py).
TENANT_SPARE_SCHEMAS = env.int("TENANT_SPARE_SCHEMAS", default=2)
# Issue SET search_path once per schema switch, not on every cursor.
TENANT_LIMIT_SET_CALLS = True
# `migrate` (tenants/schema_migrate.py): one query finds the schemas that are behind, only those
# are migrated, each in one transaction, TENANT_MIGRATION_JOBS at a time (`--parallel N`
# overrides); failures are retried, then listed. `--executor=standard` is the library's own.
GET_EXECUTOR_FUNCTION = "tenants.schema_migrate.executor_for"
TENANT_MIGRATION_JOBS = env.int("TENANT_MIGRATION_JOBS", default=2)
TENANT_MIGRATION_RETRIES = env.int("TENANT_MIGRATION_RETRIES", default=1)
TENANT_MIGRATION_RETRY_DELAY = env.float("TENANT_MIGRATION_RETRY_DELAY", default=2.0)
# A schema whose tables are locked by the sites' traffic for longer fails (and is retried)
# instead of making every later query on that table wait behind the migration.
TENANT_MIGRATION_LOCK_TIMEOUT = env("TENANT_MIGRATION_LOCK_TIMEOUT", default="5s")
TENANT_MIGRATION_RECONNECT_EVERY = 100
DATABASE_ROUTERS = ["django_tenants.routers.TenantSyncRouter"]

MIDDLEWARE = [
    "tenants.middleware.CouncilMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "tenants.middleware.CouncilLanguageMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "core.middleware.NulCharacterMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "core.middleware.AuditContextMiddleware",
    "core.middleware.ContentSecurityPolicyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls_tenant"
PUBLIC_SCHEMA_URLCONF = "config.urls_public"
WSGI_APPLICATION = "config.wsgi.application"

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
                "django.template.context_processors.i18n",
                "tenants.context_processors.council",
                "tenants.context_processors.typography",
            ],
        },
    }
]

# --- Database, cache, sessions ---------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["ENGINE"] = "django_tenants.postgresql_backend"
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        # Every key carries the schema of the council it was written in (DESIGN.md §2).
        "KEY_FUNCTION": "django_tenants.cache.make_key",
        "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key",
        "KEY_PREFIX": "commune",
    },
    # The same Redis without the council in the keys, for the few counters that must hold
    # across councils (core.ratelimit's scope="platform": SMS sent to one number).
    "platform": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "commune-platform",
    },
}
# Sessions are rows in the council's own schema: a session key from one council does not exist
# in another, and the cookie is bound to the host that issued it.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_NAME = "commune_session"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_NAME = "commune_csrftoken"

# --- Accounts --------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
GUARDIAN_RAISE_403 = True
ANONYMOUS_USER_NAME = None  # no guardian anonymous user row in each schema
# Failed logins: after LOGIN_MAX_FAILURES within LOGIN_LOCKOUT_SECONDS, further attempts for that
# email (or from that address) are refused until the window passes.
LOGIN_MAX_FAILURES = env.int("LOGIN_MAX_FAILURES", default=5)
LOGIN_LOCKOUT_SECONDS = env.int("LOGIN_LOCKOUT_SECONDS", default=900)
EMAIL_CONFIRMATION_MAX_AGE = 7 * 24 * 3600

# --- Email -----------------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Commune <no-reply@commune.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Internationalisation --------------------------------------------------------------------
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "commune_language"
# One date style per language (config/formats): day first in English too, months in full.
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

# --- Static and media ------------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env("STATIC_ROOT", default=str(BASE_DIR / ".run" / "static"))
MEDIA_URL = "/media/"
MEDIA_ROOT = env("MEDIA_ROOT", default=str(BASE_DIR / ".run" / "media"))
# Uploaded files go under MEDIA_ROOT/<schema>/: one council never sees another's files.
MULTITENANT_RELATIVE_MEDIA_ROOT = "%s"
# Private files (proofs of address) go under PRIVATE_MEDIA_ROOT/<schema>/, outside MEDIA_ROOT:
# no public URL reaches them, only views that check who is asking (community.storage).
PRIVATE_MEDIA_ROOT = env("PRIVATE_MEDIA_ROOT", default=str(BASE_DIR / ".run" / "private-media"))
STORAGES = {
    "default": {"BACKEND": "django_tenants.files.storage.TenantFileSystemStorage"},
    # Hashed names (cacheable forever) and pre-compressed copies. STATICFILES_BACKEND lets the
    # suite build the manifest without a minute of brotli (tests/test_settings.py).
    "staticfiles": {
        "BACKEND": env(
            "STATICFILES_BACKEND", default="whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Behind nginx, council media are sent by nginx from this internal location (infra/nginx.conf).
MEDIA_X_ACCEL_PREFIX = env("MEDIA_X_ACCEL_PREFIX", default="")
# Private files checked by a view (PDF reports) are sent by nginx from this internal location.
PRIVATE_MEDIA_X_ACCEL_PREFIX = env("PRIVATE_MEDIA_X_ACCEL_PREFIX", default="")
# How many proxies of ours stand in front of the app (to read the client address from
# X-Forwarded-For); 0 = use the connection's address.
TRUSTED_PROXIES = env.int("TRUSTED_PROXIES", default=0)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024

# --- REST API --------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: an unauthenticated call gets 401 with a WWW-Authenticate header.
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    # JSON nested deeper than Python's recursion limit is a 400, not a RecursionError.
    "DEFAULT_PARSER_CLASSES": [
        "core.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # Views opt in with `throttle_scope`; counted by core's rate limiter per council.
    "DEFAULT_THROTTLE_CLASSES": ["core.throttling.CouncilRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"token": "10/min"},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Commune API",
    "DESCRIPTION": "The API of one council on Commune. Paths are relative to the council's host.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Errors every operation can answer with (400/401/403/404/429), documented once.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.openapi.add_error_responses",
    ],
    "ENUM_NAME_OVERRIDES": {
        "ReportStatusEnum": "civic.models.Status",
        "SettableReportStatusEnum": "civic.api.SETTABLE_STATUSES",
        "PdfReportKindEnum": "reports.models.ReportKind",
        "PdfReportStatusEnum": "reports.models.ReportStatus",
    },
}

# --- Celery ----------------------------------------------------------------------------------
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=REDIS_URL)
CELERY_TASK_ACKS_LATE = True
# acks_late alone still acknowledges a task whose worker process died (DESIGN.md §5).
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = 3600
# A task whose worker process died with it (kill -9 of the whole worker, machine lost) stays
# unacknowledged in Redis and is delivered again only after the visibility timeout, by a worker
# that is (re)started or sweeping (every unacked_restore_interval seconds). Keep it longer than
# any task's countdown (a shorter one redelivers waiting retries early). Alert batches do not
# wait for it: the re-driver (below) enqueues them again from the database within a minute.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
    "unacked_restore_interval": env.int("CELERY_UNACKED_RESTORE_INTERVAL", default=10),
}
# tenant-schemas-celery: cache the schema → council lookup in each worker (DESIGN.md §2).
CELERY_TASK_TENANT_CACHE_SECONDS = 60
# Work over every council (tenants/fanout.py): TENANTS_FANOUT_BATCH_SIZE councils per message,
# on TENANTS_FANOUT_QUEUE at the lowest priority. On a queue shared with alert batches the Redis
# transport serves priority 0 (the default) before 9; in production give it a queue of its own
# (e.g. "maintenance") that the alert workers do not consume.
TENANTS_FANOUT_QUEUE = env("TENANTS_FANOUT_QUEUE", default="celery")
TENANTS_FANOUT_BATCH_SIZE = env.int("TENANTS_FANOUT_BATCH_SIZE", default=100)
_FANOUT_ROUTE = {"queue": TENANTS_FANOUT_QUEUE, "priority": 9}
CELERY_TASK_ROUTES = {
    "tenants.tasks.*": _FANOUT_ROUTE,
    "community.tasks.expire_verifications_everywhere": _FANOUT_ROUTE,
    "community.tasks.expire_verifications": _FANOUT_ROUTE,
    "alerts.tasks.erase_expired_phone_numbers_everywhere": _FANOUT_ROUTE,
    "alerts.tasks.erase_expired_phone_numbers": _FANOUT_ROUTE,
    "civic.consultations.tasks.periodic_everywhere": _FANOUT_ROUTE,
    "civic.consultations.tasks.periodic": _FANOUT_ROUTE,
    "community.mutual_aid.tasks.mutual_aid_periodic_everywhere": _FANOUT_ROUTE,
    "community.mutual_aid.tasks.mutual_aid_periodic": _FANOUT_ROUTE,
    "community.group_buys.tasks.close_due_group_buys_everywhere": _FANOUT_ROUTE,
    "community.group_buys.tasks.close_due_group_buys": _FANOUT_ROUTE,
    "reports.tasks.redrive_everywhere": _FANOUT_ROUTE,
    "reports.tasks.redrive": _FANOUT_ROUTE,
    "reports.tasks.monthly_street_reports_everywhere": _FANOUT_ROUTE,
    "reports.tasks.monthly_street_report": _FANOUT_ROUTE,
}
CELERY_BEAT_SCHEDULE: dict = {
    # Expire co-optation requests, postcard codes and unreviewed proofs, in every council.
    "community-expire-verifications": {
        "task": "community.tasks.expire_verifications_everywhere",
        "schedule": 3600,
    },
    # Mutual aid: loan reminders on their due date, and grouped message emails whose scheduled
    # send the broker lost, in every council.
    "community-mutual-aid-periodic": {
        "task": "community.mutual_aid.tasks.mutual_aid_periodic_everywhere",
        "schedule": 900,
    },
    # Close group buys past their deadline (and email households a lost task missed).
    "community-close-group-buys": {
        "task": "community.group_buys.tasks.close_due_group_buys_everywhere",
        "schedule": 300,
    },
    # Keep ready clones of the council template (also refilled after each new council).
    "tenants-refill-spare-schemas": {"task": "tenants.tasks.refill_spare_schemas", "schedule": 600},
    # Erase the phone numbers of SMS delivery records past each council's retention period.
    "alerts-erase-expired-phone-numbers": {
        "task": "alerts.tasks.erase_expired_phone_numbers_everywhere",
        "schedule": 86400,
    },
    # Consultations: opening emails, reminders two days before close, mixing of ballot boxes.
    "civic-consultations-periodic": {
        "task": "civic.consultations.tasks.periodic_everywhere",
        "schedule": 300,
    },
    # Enqueue again the alert batches the broker lost (alerts/services/redrive.py).
    "alerts-redrive": {
        "task": "alerts.tasks.redrive_alerts",
        "schedule": env.float("ALERTS_REDRIVE_SECONDS", default=20.0),
        "options": {
            "queue": env("ALERTS_CELERY_QUEUE", default="alerts"),
            "expires": env.float("ALERTS_REDRIVE_SECONDS", default=20.0),
        },
    },
    # Reports: re-enqueue generation tasks the broker lost (the report rows are the truth).
    "reports-redrive": {"task": "reports.tasks.redrive_everywhere", "schedule": 900},
    # The past month's street issues report in every council, on the 1st, then the elected
    # officials' email. 12:30 in Paris (Celery uses TIME_ZONE) is still the 1st in every French
    # council's own time zone (UTC-10 to UTC+12); each council takes "the past month" in its own.
    "reports-monthly-street": {
        "task": "reports.tasks.monthly_street_reports_everywhere",
        "schedule": crontab(minute=30, hour=12, day_of_month=1),
    },
}

# --- Logging ---------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"tenant_context": {"()": "django_tenants.log.TenantContextFilter"}},
    "formatters": {
        "tenant": {
            "format": "%(asctime)s %(levelname)s [%(schema_name)s:%(domain_url)s] "
            "%(name)s: %(message)s"
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["tenant_context"],
            "formatter": "tenant",
        },
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # WeasyPrint logs every layout step at INFO: a 100-card postcard batch would flood the log.
    "loggers": {
        "weasyprint": {"level": "WARNING"},
        "weasyprint.progress": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# --- Street reports (civic) -------------------------------------------------------------------
# The map's tile server (README, "Maps"), e.g. the IGN Géoplateforme's Plan IGN WMTS or
# https://tile.openstreetmap.org/{z}/{x}/{y}.png; empty: no tiles, every map draws the council's
# neighbourhoods with their names (markers, clicks and the address search work the same). The
# CSP allows the tile server's origin for images only when it is set.
COMMUNE_MAP_TILE_URL = env("COMMUNE_MAP_TILE_URL", default="")
COMMUNE_MAP_ATTRIBUTION = env("COMMUNE_MAP_ATTRIBUTION", default="")
COMMUNE_MAP_MAX_ZOOM = env.int("COMMUNE_MAP_MAX_ZOOM", default=19)
# Address search (core.geocoding): "offline" (the council's table, filled by `manage.py
# import_addresses`) or "ban" (the national address base's API at GEOCODER_BAN_URL).
GEOCODER_BACKEND = env("GEOCODER_BACKEND", default="offline")
GEOCODER_BAN_URL = env("GEOCODER_BAN_URL", default="https://api-adresse.data.gouv.fr/search/")
GEOCODER_TIMEOUT = env.float("GEOCODER_TIMEOUT", default=3.0)
# Address searches per client per minute (the map asks as the resident types, debounced).
GEOCODER_SEARCHES_PER_MINUTE = env.int("GEOCODER_SEARCHES_PER_MINUTE", default=60)
CIVIC_REPORTS_PER_HOUR = env.int("CIVIC_REPORTS_PER_HOUR", default=10)

# --- PDF reports (reports) ---------------------------------------------------------------------
# Above this many published free-text answers, a consultation report's appendix (every answer)
# is a document of its own beside the report, which says where to find it.
REPORTS_APPENDIX_SEPARATE_ABOVE = env.int("REPORTS_APPENDIX_SEPARATE_ABOVE", default=200)

# --- SMS ---------------------------------------------------------------------------------------
SMS_BACKEND = env("SMS_BACKEND", default="core.sms.ConsoleBackend")
# Where the Twilio backend finds the active council's credentials (the alerts app keeps them,
# encrypted); a dotted path, so the transport in core does not import a feature app.
SMS_CREDENTIALS = "alerts.credentials.council_credentials"
# Twilio (core.sms.TwilioBackend). The platform's account is the fallback for councils
# that have not entered their own (sub)account in the staff portal (stored encrypted with
# ALERTS_CREDENTIALS_KEYS). TWILIO_API_BASE_URL, when set, sends every API call there instead
# of https://api.twilio.com (the simulator: `manage.py twilio_simulator`).
TWILIO_ACCOUNT_SID = env("TWILIO_ACCOUNT_SID", default="")
TWILIO_AUTH_TOKEN = env("TWILIO_AUTH_TOKEN", default="")
TWILIO_MESSAGING_SERVICE_SID = env("TWILIO_MESSAGING_SERVICE_SID", default="")
TWILIO_API_BASE_URL = env("TWILIO_API_BASE_URL", default="")
TWILIO_HTTP_TIMEOUT = env.float("TWILIO_HTTP_TIMEOUT", default=10.0)
# Fernet keys for the councils' stored Twilio credentials, newest first (comma-separated; older
# keys still decrypt, so keys can be rotated).
ALERTS_CREDENTIALS_KEYS = env.list("ALERTS_CREDENTIALS_KEYS", default=[])
# The alert pipeline (alerts/services/delivery.py): recipients per Celery task, messages handed
# to Twilio concurrently by one task, how long a message claimed by a worker stays its own
# before another may take it over (longer than one chunk can take), retry backoff on HTTP 429.
ALERTS_BATCH_SIZE = env.int("ALERTS_BATCH_SIZE", default=500)
ALERTS_SEND_CONCURRENCY = env.int("ALERTS_SEND_CONCURRENCY", default=16)
ALERTS_CLAIM_LEASE_SECONDS = env.float("ALERTS_CLAIM_LEASE_SECONDS", default=30.0)
# Transient failures (429, 502-504, provider unreachable, lost answers): backoff from
# ALERTS_RETRY_BACKOFF_SECONDS doubling up to ALERTS_RETRY_BACKOFF_MAX_SECONDS, until the cap
# in time from a row's first failure (emergencies: severe or extreme alerts).
ALERTS_RETRY_BACKOFF_SECONDS = env.float("ALERTS_RETRY_BACKOFF_SECONDS", default=1.0)
ALERTS_RETRY_BACKOFF_MAX_SECONDS = env.float("ALERTS_RETRY_BACKOFF_MAX_SECONDS", default=30.0)
ALERTS_RETRY_CAP_SECONDS = env.float("ALERTS_RETRY_CAP_SECONDS", default=600.0)
ALERTS_EMERGENCY_RETRY_CAP_SECONDS = env.float("ALERTS_EMERGENCY_RETRY_CAP_SECONDS", default=1800.0)
# The re-driver (alerts/services/redrive.py): its beat period is ALERTS_REDRIVE_SECONDS (above);
# an alert without any batch activity for ALERTS_REDRIVE_STALL_SECONDS is enqueued again.
# Staff see "stalled since" after ALERTS_STALL_NOTICE_SECONDS without a message handed over,
# and get an email (the log an error) after ALERTS_STALL_ALARM_SECONDS.
ALERTS_REDRIVE_STALL_SECONDS = env.float("ALERTS_REDRIVE_STALL_SECONDS", default=30.0)
ALERTS_REDRIVE_COUNCILS_PER_QUERY = env.int("ALERTS_REDRIVE_COUNCILS_PER_QUERY", default=200)
ALERTS_STALL_NOTICE_SECONDS = env.float("ALERTS_STALL_NOTICE_SECONDS", default=60.0)
ALERTS_STALL_ALARM_SECONDS = env.float("ALERTS_STALL_ALARM_SECONDS", default=300.0)
# The Celery queue of the batch tasks and the re-driver: its own queue, with its own worker
# (`make run`, infra/docker-compose.yml), so an alert never waits behind routine work
# (verification SMS, emails, PDF reports) on the default queue "celery".
ALERTS_CELERY_QUEUE = env("ALERTS_CELERY_QUEUE", default="alerts")
# What one SMS segment costs (the alerts report's cost estimate): Twilio's price for the
# councils' destination country, in ALERTS_SEGMENT_CURRENCY.
ALERTS_SEGMENT_PRICE = env("ALERTS_SEGMENT_PRICE", default="0.0798")
ALERTS_SEGMENT_CURRENCY = env("ALERTS_SEGMENT_CURRENCY", default="EUR")
