"""Prices by tier and savings, at the tier boundaries."""

from decimal import Decimal

import pytest

from community.group_buys import selectors
from community.group_buys.models import GroupBuy

from .conftest import TIERS, D


@pytest.mark.parametrize(
    ("total", "price"),
    [
        (D(0), D(85)),  # below every tier: the first tier's price
        (D("0.5"), D(85)),
        (D(1), D(85)),
        (D("19.5"), D(85)),
        (D(20), D(78)),
        (D("49.5"), D(78)),
        (D(50), D(70)),
        (D(60), D(70)),
    ],
)
def test_unit_price_is_the_tier_reached_by_the_total(total, price):
    assert selectors.unit_price_at(TIERS, total) == price


def test_tiers_are_read_in_order_whatever_order_they_come_in():
    assert selectors.unit_price_at(list(reversed(TIERS)), D(20)) == D(78)
    assert selectors.next_tier(list(reversed(TIERS)), D(20)) == (D(50), D(70))
    assert selectors.next_tier(TIERS, D("19.5")) == (D(20), D(78))
    assert selectors.next_tier(TIERS, D(50)) is None


@pytest.mark.parametrize(
    ("price", "quantity", "expected"),
    [(D(85), D(3), D("30.00")), (D(78), D("2.5"), D("42.50")), (D(70), D(5), D("125.00"))],
)
def test_saving_is_retail_minus_price_times_quantity(price, quantity, expected):
    assert selectors.saving(retail=D(95), unit_price=price, quantity=quantity) == expected


def test_saving_is_never_negative():
    assert selectors.saving(retail=D(60), unit_price=D(70), quantity=D(2)) == D("0.00")


def _at(total: Decimal, quantity: Decimal = Decimal(0)) -> selectors.Progress:
    group_buy = GroupBuy(
        total_committed=total,
        minimum_total=D(10),
        maximum_total=D(60),
        retail_price=D(95),
        status="open",
    )
    tiers = TIERS
    return selectors.Progress(
        total=total,
        minimum=group_buy.minimum_total,
        maximum=group_buy.maximum_total,
        current_price=selectors.unit_price_at(tiers, total),
        projected_price=selectors.unit_price_at(tiers, max(total, group_buy.minimum_total)),
        next_tier=selectors.next_tier(tiers, total),
        household_quantity=quantity,
        retail=group_buy.retail_price,
    )


def test_progress_to_the_minimum_and_to_the_next_tier():
    progress = _at(D(5), D(2))
    assert progress.to_minimum == D(5) and progress.minimum_percent == 50
    assert progress.to_next_tier == D(15) and progress.next_tier_percent == 25
    assert progress.household_total == D("170.00") and progress.household_saving == D("20.00")
    full = _at(D(60), D(5))
    assert full.to_minimum == 0 and full.to_next_tier is None and full.remaining == 0
    assert full.household_total == D("350.00") and full.household_saving == D("125.00")
    assert full.saving_percent == 26  # (95 - 70) / 95


def test_progress_of_a_real_group_buy_uses_its_tiers(firewood):
    firewood.total_committed = D(20)
    progress = selectors.progress(firewood, D(1))
    assert (progress.current_price, progress.projected_price) == (D(78), D(78))
    assert progress.next_tier == (D(50), D(70))
