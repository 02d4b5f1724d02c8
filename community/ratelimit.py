"""Fixed-window counters in Redis. Keys go through the cache's tenant-aware key function, so a
count at one council never limits another."""

from django.core.cache import cache
from django.core.exceptions import ValidationError


class RateLimited(ValidationError):
    """Too many attempts: views answer 429 with this message."""


def count(key: str) -> int:
    return int(cache.get(key) or 0)


def hit(key: str, *, window: int) -> int:
    """Count one more event in the window that started with the first; returns the count."""
    if cache.add(key, 1, timeout=window):
        return 1
    try:
        return int(cache.incr(key))
    except ValueError:  # the key expired between add and incr
        cache.set(key, 1, timeout=window)
        return 1


def over(key: str, *, limit: int) -> bool:
    return count(key) >= limit


def reset(key: str) -> None:
    cache.delete(key)
