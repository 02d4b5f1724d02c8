"""Helpers for HTML views (translating a service's refusal into the page the person sees), and
the address search endpoint the maps call."""

import logging

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from . import ratelimit
from .geocoding import MAX_RESULTS, GeocodingUnavailable, geocoder
from .http import client_ip
from .params import parse_float, parse_int
from .ratelimit import RateLimited

logger = logging.getLogger(__name__)


def private_download(content: bytes, filename: str, content_type: str) -> HttpResponse:
    """A file made for one signed-in person (a purchase order, postcards): saved, not shown,
    and kept by no cache on the way."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def form_errors_from(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form: field errors on their fields (when the form
    has them), everything else at the top, so the page shows it next to what was typed."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def error_status(error: Exception) -> int:
    """The HTTP status of a page that re-renders after a service refused: 429 when rate
    limited, 403 when not allowed, 400 for invalid input."""
    if isinstance(error, RateLimited):
        return 429
    if isinstance(error, PermissionDenied):
        return 403
    return 400


def safe_next(request: HttpRequest, default: str, *, field: str = "next") -> str:
    """The `next` address from the POST (or GET) data when it stays on this site, else
    `default`: a crafted link never redirects a member of staff elsewhere."""
    target = request.POST.get(field) or request.GET.get(field) or ""
    # A path on this site only: `redirect()` would take "home" or "²" for a view name.
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


# --- address search ------------------------------------------------------------------------------


@require_GET
def address_search(request: HttpRequest) -> JsonResponse:
    """`GET /addresses/search.json?q=12 rue de la lainerie[&lat=…&lon=…][&limit=5]`: the
    addresses matching what the resident types, best first, from the configured geocoder. The
    map script calls it as the resident types (debounced); counted per account, or per client
    address for visitors. `lat`/`lon` (the map's centre) favour nearby results with the BAN."""
    who = f"user:{request.user.pk}" if request.user.is_authenticated else f"ip:{client_ip(request)}"
    if not ratelimit.allow(
        f"geocoder:search:{who}", limit=settings.GEOCODER_SEARCHES_PER_MINUTE, window=60
    ):
        return JsonResponse({"results": [], "error": str(RateLimited().message)}, status=429)
    lat = parse_float(request.GET.get("lat"), minimum=-90, maximum=90)
    lon = parse_float(request.GET.get("lon"), minimum=-180, maximum=180)
    near = (lat, lon) if lat is not None and lon is not None else None
    limit = parse_int(request.GET.get("limit"), minimum=1, maximum=MAX_RESULTS) or 5
    try:
        found = geocoder().search(request.GET.get("q", ""), limit=limit, near=near)
    except GeocodingUnavailable:
        logger.warning("address search: geocoder unavailable", exc_info=True)
        return JsonResponse(
            {"results": [], "error": _("Address search is unavailable; use the map.")},
            status=503,
        )
    return JsonResponse({"results": [r.as_dict() for r in found]})
