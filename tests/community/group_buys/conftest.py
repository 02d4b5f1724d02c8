"""Group buys for the tests: firewood by the stère with three price tiers, and residents;
group buys committed for the live tests."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from accounts.models import User
from community.group_buys import services
from community.group_buys.models import GroupBuy
from tenants.models import Council
from tests.community.conftest import declare, verified
from tests.conftest import make_user
from tests.factories import UserFactory

D = Decimal
TIERS = [(D(1), D(85)), (D(20), D(78)), (D(50), D(70))]


def buy(acting, **overrides) -> GroupBuy:
    """Firewood: retail 95 €, 85 € from 1, 78 € from 20, 70 € from 50 stères; minimum 10,
    maximum 60, each household 0.5 to 5 by 0.5; deadline in a week, delivered at home."""
    fields = {
        "product": "Bois de chauffage",
        "description": "Chêne sec, 33 cm",
        "supplier_name": "Scierie du Jerzual",
        "supplier_contact": "02 96 00 00 00",
        "supplier_siret": "",
        "unit": "stere",
        "step": D("0.5"),
        "retail_price": D(95),
        "minimum_total": D(10),
        "maximum_total": D(60),
        "household_min": D("0.5"),
        "household_max": D(5),
        "deadline": timezone.now() + timedelta(days=7),
        "delivery": "home",
        "pickup_place": "",
        "pickup_at": None,
        "tiers": TIERS,
    }
    fields.update(overrides)
    return services.group_buy_create(acting=acting, **fields)


@pytest.fixture
def organiser(council_admin):
    return council_admin


@pytest.fixture
def firewood(organiser) -> GroupBuy:
    return buy(organiser)


@pytest.fixture
def alice(in_dinan):
    return verified("alice@example.org", "1 rue de l'Apport")


@pytest.fixture
def alice_partner(alice):
    """Alice's partner: another account at the same home."""
    return verified("alice-partner@example.org", "1 rue de l'Apport")


@pytest.fixture
def bruno(in_dinan):
    return verified("bruno@example.org", "2 place des Cordeliers")


@pytest.fixture
def unverified(in_dinan):
    user = make_user("unverified@example.org")
    declare(user, "9 rue du Petit Fort")
    return user


def households(n: int, start: int = 0) -> list:
    """`n` verified residents of `n` different homes."""
    return [
        verified(f"household{i}@example.org", f"{i} rue Haute") for i in range(start, start + n)
    ]


def expire(group_buy: GroupBuy) -> None:
    GroupBuy.objects.filter(pk=group_buy.pk).update(deadline=timezone.now() - timedelta(minutes=1))
    group_buy.refresh_from_db()


@contextmanager
def committed_group_buy(
    council: Council, tag: str, *, role: str = "agent", product: str = "Pommes", **overrides
) -> Iterator[GroupBuy]:
    """For the live tests (`committed_db`): an open group buy committed in `council`'s schema, so
    other connections and the worker see it, organised by a new staff member with `role`.
    Apples by the kg at 3 € retail, 2 € from the first kg, 1 to 10 kg a household, at most 100,
    delivered at home, deadline in an hour; `overrides` are fields of `group_buy_create`, and the
    product's name ends with the tag. The body runs outside the council's schema, as it found the
    connection. On the way out, whatever happened, the group buy (its commitments with it) and
    every user whose email starts with `tag` (the organiser, the households) are deleted."""
    fields = {
        "supplier_name": "Coopérative de la Rance",
        "unit": "kg",
        "step": D(1),
        "retail_price": D(3),
        "minimum_total": D(1),
        "maximum_total": D(100),
        "household_min": D(1),
        "household_max": D(10),
        "deadline": timezone.now() + timedelta(hours=1),
        "delivery": "home",
        "tiers": [(D(1), D(2))],
    } | overrides
    group_buy = None
    try:
        with tenant_context(council):
            organiser = UserFactory(email=f"{tag}-organiser@example.org", roles=[role])
            group_buy = services.group_buy_create(
                acting=organiser, product=f"{product} {tag}", **fields
            )
        yield group_buy
    finally:
        with tenant_context(council):
            if group_buy is not None:
                GroupBuy.objects.filter(pk=group_buy.pk).delete()
            User.objects.filter(email__startswith=tag).delete()


def code_of(error) -> str:
    """The code of a service's ValidationError, whether on a field or not."""
    if hasattr(error, "error_dict"):
        return next(e.code for errors in error.error_dict.values() for e in errors)
    return error.code


__all__ = [
    "TIERS",
    "D",
    "buy",
    "code_of",
    "committed_group_buy",
    "declare",
    "expire",
    "households",
    "verified",
]
