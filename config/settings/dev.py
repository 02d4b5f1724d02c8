"""Development: the services that `make run` starts under .run/."""

import os

os.environ.setdefault("SECRET_KEY", "dev-only-not-secret-" + "x" * 40)

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", ".localhost", "127.0.0.1"])
PUBLIC_URL_SCHEME = "http"
PUBLIC_URL_PORT = env("PUBLIC_URL_PORT", default="8000")
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}

# Static files straight from the apps (no collectstatic needed outside production).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# SMS alerts: `make run` starts the Twilio simulator (manage.py twilio_simulator) and sets
# SMS_BACKEND=core.sms.TwilioBackend and TWILIO_API_BASE_URL to reach it. These are
# the simulator's development account, not secrets; a real account comes from the environment.
TWILIO_ACCOUNT_SID = env("TWILIO_ACCOUNT_SID", default="AC" + "d" * 32)
TWILIO_AUTH_TOKEN = env("TWILIO_AUTH_TOKEN", default="dev-simulator-auth-token")
TWILIO_MESSAGING_SERVICE_SID = env("TWILIO_MESSAGING_SERVICE_SID", default="MG" + "d" * 32)
ALERTS_CREDENTIALS_KEYS = env.list("ALERTS_CREDENTIALS_KEYS", default=["dev-only-credentials-key"])
