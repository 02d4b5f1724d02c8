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
