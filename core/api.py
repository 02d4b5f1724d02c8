"""The API's side of the shared core: one exception handler for every DRF view."""

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from . import ratelimit


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, taught Django's own refusals: a service's `ValidationError` is a 400 with
    the messages by field (or under "detail"), `PermissionDenied` a 403, `RateLimited` a 429.
    Views call services and let these propagate; no view translates them by hand."""
    if isinstance(exc, ratelimit.RateLimited):
        exc = exceptions.Throttled(wait=exc.retry_after, detail=" ".join(exc.messages))
    elif isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            exc = exceptions.ValidationError(exc.message_dict)
        else:
            exc = exceptions.ValidationError({"detail": exc.messages})
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    return drf_exception_handler(exc, context)
