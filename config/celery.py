"""The Celery app. Tasks carry the council's schema in their headers (tenant-schemas-celery) and
run inside that schema on the worker."""

import os

from tenant_schemas_celery.app import CeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

app = CeleryApp("commune")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
