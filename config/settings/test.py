"""Tests: real PostgreSQL, Redis and Celery (started by `make test`), fast password hashing."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-not-secret-" + "x" * 40)

from .base import *  # noqa: F403
from .base import BASE_DIR, env

DEBUG = False
ALLOWED_HOSTS = ["localhost", ".localhost", "testserver"]
PUBLIC_URL_SCHEME = "http"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = env("MEDIA_ROOT", default=str(BASE_DIR / ".run" / "test-media"))
PRIVATE_MEDIA_ROOT = env(
    "PRIVATE_MEDIA_ROOT", default=str(BASE_DIR / ".run" / "test-private-media")
)
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
# Each test process gets its own Redis database (see tests/conftest.py), so keys never collide.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405

# Most tests run tasks in-process (Celery's eager mode) so their effects land in the test's
# transaction; the tests that are about Celery itself switch it off and use a real worker
# process (tests/conftest.py: celery_worker_process).
CELERY_TASK_ALWAYS_EAGER = True
# A worker (and its beat) started by a test publishes what it enqueues to the broker.
if env.bool("COMMUNE_TEST_LIVE_CELERY", default=False):
    CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_EAGER_PROPAGATES = True
# The worker process writes its emails to files the tests read.
if env("COMMUNE_TEST_OUTBOX", default=""):
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = env("COMMUNE_TEST_OUTBOX")

# Static files straight from the apps (no collectstatic needed outside production).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# Tests of the alert pipeline use the Twilio backend against the simulator (a real local HTTP
# server); a worker process started by such a test gets it through this variable.
SMS_BACKEND = env("COMMUNE_TEST_SMS_BACKEND", default="core.sms.LocmemBackend")
ALERTS_CREDENTIALS_KEYS = ["test-only-credentials-key"]
ALERTS_RETRY_BACKOFF_SECONDS = env.float("ALERTS_RETRY_BACKOFF_SECONDS", default=0.05)
# A test that runs `celery beat` (the alert re-driver's fault tests) schedules only the re-driver:
# the other periodic tasks would act on the shared test database behind other tests' backs.
if env("COMMUNE_TEST_BEAT_ONLY", default=""):
    CELERY_BEAT_SCHEDULE = {
        name: entry
        for name, entry in CELERY_BEAT_SCHEDULE.items()  # noqa: F405
        if name in env.list("COMMUNE_TEST_BEAT_ONLY")
    }
