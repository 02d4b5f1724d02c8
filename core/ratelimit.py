"""The one rate limiter: fixed-window counters in Redis.

Keys go through the cache's tenant-aware key function (`django_tenants.cache.make_key`), so a
count at one council never limits another. Used by logins, street reports, verification codes,
SMS sends and the API throttle. A limit that protects something shared by every council (a
phone number texted from the platform's account) passes `scope="platform"`: its key is the same
whichever council counts.

When Redis is down the cache raises: callers that protect money or people (SMS, codes) let the
error propagate (the request fails, nothing is sent); nothing here silently allows.
"""

from typing import Literal

from django.core.cache import BaseCache, cache, caches
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


class RateLimited(ValidationError):
    """Too many attempts: HTML views answer 429 with this message, the API 429 too."""

    def __init__(
        self, message=None, *, code: str = "rate_limited", retry_after: int | None = None
    ) -> None:
        super().__init__(message or _("Too many attempts. Please try again later."), code=code)
        self.retry_after = retry_after


Scope = Literal["council", "platform"]


def _store(scope: Scope) -> BaseCache:
    return caches["platform"] if scope == "platform" else cache


def count(key: str, *, scope: Scope = "council") -> int:
    """Events counted so far in the current window of `key`."""
    return int(_store(scope).get(key) or 0)


def hit(key: str, *, window: int, scope: Scope = "council") -> int:
    """Count one more event in the window that started with the first; returns the count."""
    store = _store(scope)
    if store.add(key, 1, timeout=window):
        return 1
    try:
        return int(store.incr(key))
    except ValueError:  # the key expired between add and incr
        store.set(key, 1, timeout=window)
        return 1


def allow(key: str, *, limit: int, window: int, scope: Scope = "council") -> bool:
    """Count one use of `key`; False once more than `limit` uses happened in the window."""
    return hit(key, window=window, scope=scope) <= limit


def enforce(key: str, *, limit: int, window: int, message=None, scope: Scope = "council") -> None:
    """Count one use; raise `RateLimited` (with `message`) past `limit` in the window."""
    if not allow(key, limit=limit, window=window, scope=scope):
        raise RateLimited(message, retry_after=window)


def over(key: str, *, limit: int, scope: Scope = "council") -> bool:
    """True when `key` already counted `limit` events (a check that counts nothing)."""
    return count(key, scope=scope) >= limit


def reset(key: str, *, scope: Scope = "council") -> None:
    _store(scope).delete(key)
