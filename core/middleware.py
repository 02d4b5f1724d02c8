"""Request-scoped context for the shared core."""

import secrets
from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, QueryDict
from django.utils.translation import gettext as _

from .audit import reset_client_ip, set_client_ip
from .http import client_ip


class AuditContextMiddleware:
    """Makes the client's address available to `audit_record` while the request is served."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = set_client_ip(client_ip(request))
        try:
            return self.get_response(request)
        finally:
            reset_client_ip(token)


class NulCharacterMiddleware:
    """Refuses with 400 any query string or form whose names or values hold a NUL character:
    PostgreSQL cannot store or compare one in text, so it would fail deep in a query (a 500)
    wherever a view reads a parameter without a form field (which refuses NUL itself)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _holds_nul(request.GET) or (
            request.method == "POST"
            and request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data")
            and _holds_nul(request.POST)
        ):
            return HttpResponseBadRequest(
                _("A parameter holds a NUL character."), content_type="text/plain"
            )
        return self.get_response(request)


def _holds_nul(data: QueryDict) -> bool:
    return any(
        "\x00" in key or any("\x00" in value for value in values) for key, values in data.lists()
    )


def _tile_origin(url: str) -> str:
    """`https://tiles.example/{z}/{x}/{y}.png` → `https://tiles.example` (for img-src)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


class ContentSecurityPolicyMiddleware:
    """A strict Content-Security-Policy on every response: scripts and styles only from our own
    static files. The one inline element, the council's brand colours in `base.html`, carries the
    per-request nonce (`request.csp_nonce`); nothing else may use it. Map tiles come from the
    configured tile server (COMMUNE_MAP_TILE_URL)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        nonce = secrets.token_urlsafe(16)
        request.csp_nonce = nonce  # type: ignore[attr-defined]
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = self.policy(nonce)
        return response

    @staticmethod
    def policy(nonce: str) -> str:
        images = " ".join(
            filter(None, ["'self'", "data:", "blob:", _tile_origin(settings.COMMUNE_MAP_TILE_URL)])
        )
        directives = {
            "default-src": "'self'",
            "script-src": "'self'",
            "style-src": f"'self' 'nonce-{nonce}'",
            "img-src": images,
            "font-src": "'self'",
            "connect-src": "'self'",
            "object-src": "'none'",
            "base-uri": "'self'",
            "form-action": "'self'",
            "frame-ancestors": "'none'",
        }
        return "; ".join(f"{name} {value}" for name, value in directives.items())
