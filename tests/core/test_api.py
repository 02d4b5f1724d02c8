"""The API's shared exception handler and throttle."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from rest_framework.test import APIRequestFactory

from core import ratelimit
from core.api import exception_handler


@pytest.mark.parametrize(
    ("error", "status", "body"),
    [
        (ValidationError({"title": ["Too short."]}), 400, {"title": ["Too short."]}),
        (ValidationError("Closed."), 400, {"detail": ["Closed."]}),
        (PermissionDenied("Not yours."), 403, {"detail": "Not yours."}),
        (ratelimit.RateLimited("Slow down."), 429, {"detail": "Slow down."}),
    ],
)
def test_django_refusals_become_api_errors(error, status, body):
    request = APIRequestFactory().get("/")
    response = exception_handler(error, {"request": request, "view": None})
    assert response.status_code == status
    assert response.data == body


def test_token_endpoint_is_throttled(client_dinan, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"token": "3/min"},
    }
    from rest_framework.settings import api_settings

    api_settings.reload()
    try:
        codes = [
            client_dinan.post(
                "/api/v1/auth/token/", {"email": f"x{n}@y.fr", "password": "nope"}
            ).status_code
            for n in range(4)
        ]
    finally:
        settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK}
        api_settings.reload()
    assert 429 not in codes[:3]
    assert codes[3] == 429
