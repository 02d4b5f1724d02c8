"""Request-scoped context for the shared core."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

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
