"""API throttling on the shared rate limiter. Kept apart from core.api: DRF imports this class
while it builds `APIView`, so this module must not import rest_framework.views."""

from typing import Any

from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from . import ratelimit
from .http import client_ip


class CouncilRateThrottle(SimpleRateThrottle):
    """DRF throttling on the shared rate limiter (council-scoped Redis keys). Views set
    `throttle_scope`; the rates are `REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]`. Counted per
    user when signed in, per client address otherwise."""

    def __init__(self) -> None:  # the rate depends on the view's scope, read in allow_request
        pass

    def allow_request(self, request: Request, view: Any) -> bool:
        self.scope = getattr(view, "throttle_scope", None)
        if not self.scope:
            return True
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        key = self.get_cache_key(request, view)
        if not ratelimit.allow(key, limit=self.num_requests, window=self.duration):
            self.wait_seconds = self.duration
            return False
        return True

    def get_rate(self) -> str:
        # Read at each request, not once at import: settings may change (tests, reloads).
        from rest_framework.settings import api_settings

        return api_settings.DEFAULT_THROTTLE_RATES[self.scope]

    def get_cache_key(self, request: Request, view: Any) -> str:
        who = (
            f"user:{request.user.pk}"
            if request.user and request.user.is_authenticated
            else (f"ip:{client_ip(request)}")
        )
        return f"api-throttle:{self.scope}:{who}"

    def wait(self) -> float | None:
        return getattr(self, "wait_seconds", None)
