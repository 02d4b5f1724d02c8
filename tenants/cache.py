"""Host → council lookup, cached in Redis so a warm request makes no query for routing.

Entries live in the public schema's key space and are dropped whenever a council or one of its
domains changes (tenants/signals.py), so suspension and new domains take effect at once.
"""

import contextlib
import logging

from django.core.cache import cache
from django.db import connection
from django_tenants.utils import schema_context
from redis.exceptions import RedisError

from .models import Council, Domain

logger = logging.getLogger(__name__)

CACHE_SECONDS = 300
_MISSING = "-"


def _key(hostname: str) -> str:
    return f"council-for-host:{hostname}"


def council_for_host(hostname: str) -> Council | None:
    """The council reached at `hostname`, or None. Call with the connection on public.

    Redis being down slows routing down (one query per request) but does not stop the sites."""
    key = _key(hostname)
    try:
        cached = cache.get(key)
    except RedisError:
        logger.warning("host cache unavailable; looking %s up in the database", hostname)
        cached = None
    if cached == _MISSING:
        return None
    if cached is not None:
        return cached
    domain = Domain.objects.select_related("tenant").filter(domain=hostname).first()
    council = domain.tenant if domain else None
    # Unknown hosts are cached too (briefly), so a scan of random hosts cannot hammer the database.
    with contextlib.suppress(RedisError):
        cache.set(key, council if council else _MISSING, CACHE_SECONDS if council else 30)
    return council


def forget_hosts(hostnames: list[str]) -> None:
    if connection.schema_name != "public":
        with schema_context("public"):
            cache.delete_many([_key(h) for h in hostnames])
    else:
        cache.delete_many([_key(h) for h in hostnames])
