"""The platform landing page's list of councils: paginated, one query per page, cached.

Listing every council with `get_primary_domain()` cost a query per council (1,005 queries and
0.7 s at 1,000 councils). A page is now one query (plus a count), and the result is kept in the
cache until a council or a domain changes (tenants/signals.py bumps the version)."""

import contextlib
import math
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import OuterRef, Subquery
from django_tenants.utils import get_public_schema_name, schema_context
from redis.exceptions import RedisError

from .models import Council, Domain

LANDING_PAGE_SIZE = 100
CACHE_SECONDS = 600
_VERSION_KEY = "landing-councils:version"


@dataclass(frozen=True)
class LandingCouncil:
    name: str
    host: str


@dataclass(frozen=True)
class LandingPage:
    number: int
    num_pages: int
    councils: list[LandingCouncil]

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.num_pages

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1


def _listed():
    return Council.objects.filter(is_active=True, is_template=False)


def _version() -> int:
    try:
        return cache.get_or_set(_VERSION_KEY, 1, None) or 1
    except RedisError:
        return 0


def landing_forget() -> None:
    """Drop every cached page (a council or a domain changed). Cache keys carry the schema:
    the pages live in the public schema's key space, whichever schema the change came from."""
    with schema_context(get_public_schema_name()), contextlib.suppress(RedisError):
        try:
            cache.incr(_VERSION_KEY)
        except ValueError:  # not set yet: nothing is cached under a version either
            cache.set(_VERSION_KEY, 1, None)


def _number(raw: str | None) -> int:
    try:
        return max(1, int(raw or 1))
    except ValueError:
        return 1


def landing_page(raw_number: str | None) -> LandingPage:
    """Page `raw_number` (anything unusable is page 1; past the end is the last page)."""
    number = _number(raw_number)
    version = _version()
    key = f"landing-councils:{version}:{number}"
    cached = None
    if version:
        with contextlib.suppress(RedisError):
            cached = cache.get(key)
    if cached is not None:
        return cached
    count = _listed().count()
    num_pages = max(1, math.ceil(count / LANDING_PAGE_SIZE))
    number = min(number, num_pages)
    primary = Domain.objects.filter(tenant=OuterRef("pk"), is_primary=True).values("domain")[:1]
    start = (number - 1) * LANDING_PAGE_SIZE
    rows = (
        _listed()
        .order_by("name", "pk")
        .annotate(host=Subquery(primary))
        .values_list("name", "host")[start : start + LANDING_PAGE_SIZE]
    )
    page = LandingPage(
        number=number,
        num_pages=num_pages,
        councils=[LandingCouncil(name=name, host=host) for name, host in rows if host],
    )
    if version:
        with contextlib.suppress(RedisError):
            cache.set(key, page, CACHE_SECONDS)
    return page
