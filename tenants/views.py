"""Pages every host serves: health, and the platform's landing page."""

import os

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache


def _check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return "ok"


def _check_redis() -> str:
    from django.core.cache import cache

    cache.set("healthz", "1", 5)
    return "ok" if cache.get("healthz") == "1" else "error"


def _check_celery() -> str:
    from django.conf import settings

    from config.celery import app

    # Workers answer a broadcast ping; a loaded worker can take a moment to reply.
    replies = app.control.ping(timeout=getattr(settings, "HEALTHZ_CELERY_TIMEOUT", 1.5), limit=1)
    return "ok" if replies else "no worker"


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Database, Redis and Celery workers; 200 when all are up, 503 otherwise."""
    checks = {}
    for name, check in (
        ("database", _check_database),
        ("redis", _check_redis),
        ("celery", _check_celery),
    ):
        try:
            checks[name] = check()
        except Exception as error:
            checks[name] = f"error: {type(error).__name__}"
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "degraded", "checks": checks},
        status=200 if healthy else 503,
    )


def landing(request: HttpRequest) -> HttpResponse:
    """The platform's list of councils: a page of LANDING_PAGE_SIZE, each with its primary host,
    from the cache (tenants/landing.py), so its cost does not grow with the number of councils."""
    from .landing import landing_page

    page = landing_page(request.GET.get("page"))
    return render(request, "tenants/landing.html", {"page": page, "councils": page.councils})


def council_media(request: HttpRequest, schema: str, path: str) -> HttpResponse:
    """Public media (logos, published photos) of the council at this host, and only of it.

    Files live under MEDIA_ROOT/<schema>/; a path naming another council's schema is a 404, so
    one council's host never serves another's files. Behind nginx (MEDIA_X_ACCEL_PREFIX set),
    the file itself is sent by nginx from an internal location.
    """
    from django.conf import settings
    from django.core.files.storage import default_storage
    from django.http import FileResponse, Http404
    from django.utils._os import safe_join

    if schema != connection.schema_name:
        raise Http404
    try:
        full_path = safe_join(default_storage.location, path)
    except Exception as error:
        raise Http404 from error

    if not os.path.isfile(full_path):
        raise Http404
    prefix = getattr(settings, "MEDIA_X_ACCEL_PREFIX", "")
    if prefix:
        response = HttpResponse()
        response["X-Accel-Redirect"] = f"{prefix.rstrip('/')}/{schema}/{path}"
        response["Content-Type"] = ""
        return response
    return FileResponse(open(full_path, "rb"))
