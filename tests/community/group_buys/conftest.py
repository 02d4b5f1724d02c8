"""Group buys for the tests: firewood by the stère with three price tiers, and residents."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from community.group_buys import services
from community.group_buys.models import GroupBuy
from tests.community.conftest import declare, verified
from tests.conftest import make_user

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


def code_of(error) -> str:
    """The code of a service's ValidationError, whether on a field or not."""
    if hasattr(error, "error_dict"):
        return next(e.code for errors in error.error_dict.values() for e in errors)
    return error.code


__all__ = ["TIERS", "D", "buy", "code_of", "declare", "expire", "households", "verified"]
