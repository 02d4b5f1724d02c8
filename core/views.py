"""Helpers for HTML views: translating a service's refusal into the page the person sees."""

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme

from .ratelimit import RateLimited


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
