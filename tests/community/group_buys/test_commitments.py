"""Households commit, change and withdraw until the deadline; limits per household and in
total; the council's verification rule; eligible neighbourhoods; Idempotency-Key."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from community import services as community
from community.group_buys import selectors, services
from community.group_buys.models import Commitment, GroupBuy, IdempotentRequest
from tests.factories import NeighbourhoodFactory

from .conftest import D, buy, code_of, expire, households


def total(group_buy) -> D:
    return GroupBuy.objects.get(pk=group_buy.pk).total_committed


def test_household_commits_changes_and_withdraws(firewood, alice):
    services.commitment_set(user=alice, group_buy=firewood, quantity=D(3))
    assert total(firewood) == D(3)
    services.commitment_set(user=alice, group_buy=firewood, quantity=D("1.5"))
    assert total(firewood) == D("1.5")
    assert selectors.household_commitment(alice, firewood).quantity == D("1.5")
    services.commitment_withdraw(user=alice, group_buy=firewood)
    assert total(firewood) == 0
    assert not Commitment.objects.filter(group_buy=firewood).exists()


def test_two_residents_of_one_household_share_its_maximum(firewood, alice, alice_partner, bruno):
    assert alice.residence.household_key == alice_partner.residence.household_key
    services.commitment_set(user=alice, group_buy=firewood, quantity=D(4))
    # The partner sees the household's order and changes it: one order, not two.
    assert selectors.household_commitment(alice_partner, firewood).quantity == D(4)
    services.commitment_set(user=alice_partner, group_buy=firewood, quantity=D(5))
    with pytest.raises(ValidationError) as refused:
        services.commitment_set(user=alice_partner, group_buy=firewood, quantity=D("5.5"))
    assert code_of(refused.value) == "household_limit"
    services.commitment_set(user=bruno, group_buy=firewood, quantity=D(5))
    assert Commitment.objects.filter(group_buy=firewood).count() == 2
    assert total(firewood) == D(10)
    household = Commitment.objects.get(household_key=alice.residence.household_key)
    assert household.quantity == D(5) and household.resident == alice_partner


@pytest.mark.parametrize("quantity", [D("0.25"), D("0.3"), D(6), D(-1)])
def test_quantity_outside_household_limits_or_step_is_refused(firewood, alice, quantity):
    with pytest.raises(ValidationError):
        services.commitment_set(user=alice, group_buy=firewood, quantity=quantity)
    assert total(firewood) == 0


def test_household_minimum_applies(organiser, alice):
    group_buy = buy(organiser, household_min=D(2))
    with pytest.raises(ValidationError):
        services.commitment_set(user=alice, group_buy=group_buy, quantity=D("1.5"))
    services.commitment_set(user=alice, group_buy=group_buy, quantity=D(2))


def test_total_never_passes_the_maximum(organiser, in_dinan):
    group_buy = buy(organiser, maximum_total=D(12), minimum_total=D(1))
    first, second, third = households(3)
    services.commitment_set(user=first, group_buy=group_buy, quantity=D(5))
    services.commitment_set(user=second, group_buy=group_buy, quantity=D(5))
    with pytest.raises(ValidationError) as refused:
        services.commitment_set(user=third, group_buy=group_buy, quantity=D(3))
    assert code_of(refused.value) == "sold_out" and "2" in str(refused.value)
    services.commitment_set(user=third, group_buy=group_buy, quantity=D(2))
    assert total(group_buy) == D(12)
    # A household that lowers its order frees room; raising it again is checked again.
    services.commitment_set(user=first, group_buy=group_buy, quantity=D(4))
    with pytest.raises(ValidationError) as refused:
        services.commitment_set(user=third, group_buy=group_buy, quantity=D("3.5"))
    assert code_of(refused.value) == "sold_out"
    services.commitment_set(user=third, group_buy=group_buy, quantity=D(3))
    assert total(group_buy) == D(12)


def test_database_refuses_a_total_above_the_maximum(firewood):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        GroupBuy.objects.filter(pk=firewood.pk).update(total_committed=D(61))


def test_unverified_resident_is_refused_while_the_council_requires_verification(
    firewood, unverified, staff
):
    with pytest.raises(PermissionDenied):
        services.commitment_set(user=unverified, group_buy=firewood, quantity=D(1))
    community.community_settings_update(acting=staff, require_group_buy=False)
    services.commitment_set(user=unverified, group_buy=firewood, quantity=D(1))
    assert total(firewood) == D(1)


def test_resident_without_address_is_asked_for_it(firewood, resident, staff):
    community.community_settings_update(acting=staff, require_group_buy=False)
    with pytest.raises(ValidationError) as refused:
        services.commitment_set(user=resident, group_buy=firewood, quantity=D(1))
    assert code_of(refused.value) == "no_address"


def old_town_buy(organiser, alice) -> GroupBuy:
    """A group buy open to the old town only, where Alice lives (Bruno does not)."""
    old_town = NeighbourhoodFactory(name="Vieille ville")
    community.residence_declare(
        user=alice,
        address_line1="1 rue de l'Apport",
        postcode="22100",
        city="Dinan",
        neighbourhood=old_town,
    )
    group_buy = buy(organiser, neighbourhoods=[old_town])
    return group_buy


def test_only_eligible_neighbourhoods_may_join(organiser, alice, bruno):
    group_buy = old_town_buy(organiser, alice)
    services.commitment_set(user=alice, group_buy=group_buy, quantity=D(1))
    with pytest.raises(PermissionDenied):
        services.commitment_set(user=bruno, group_buy=group_buy, quantity=D(1))
    assert list(selectors.group_buys_for(bruno)) == []
    assert group_buy in selectors.group_buys_for(alice)


def test_a_group_buy_asked_for_by_id_must_be_one_the_resident_may_see(organiser, alice, bruno):
    """The API passes the id it was given: a group buy the resident may not see does not exist
    for them (404), where the pages, which found it first, get the reason."""
    group_buy = old_town_buy(organiser, alice)
    services.commitment_set(user=alice, group_buy=group_buy.pk, quantity=D(1))
    with pytest.raises(GroupBuy.DoesNotExist):
        services.commitment_set(user=bruno, group_buy=group_buy.pk, quantity=D(1))
    with pytest.raises(GroupBuy.DoesNotExist):
        services.commitment_set(user=alice, group_buy=group_buy.pk + 1000, quantity=D(1))
    expire(group_buy)
    with pytest.raises(ValidationError) as refused:  # closed, and her household took part
        services.commitment_set(user=alice, group_buy=group_buy.pk, quantity=D(2))
    assert code_of(refused.value) == "closed"
    assert total(group_buy) == D(1)


def test_no_change_after_the_deadline(firewood, alice):
    services.commitment_set(user=alice, group_buy=firewood, quantity=D(2))
    expire(firewood)
    for quantity in (D(3), D(0)):
        with pytest.raises(ValidationError) as refused:
            services.commitment_set(user=alice, group_buy=firewood, quantity=quantity)
        assert code_of(refused.value) == "closed"
    assert total(firewood) == D(2)


def test_the_statement_enforces_limits_and_closing_changed_after_the_page_was_read(firewood, alice):
    """The service is handed the group buy as the view read it; the organiser's edit or the
    close made since is still enforced by the statement that changes the total."""
    stale = GroupBuy.objects.get(pk=firewood.pk)
    GroupBuy.objects.filter(pk=firewood.pk).update(household_max=D(2))
    with pytest.raises(ValidationError) as refused:
        services.commitment_set(user=alice, group_buy=stale, quantity=D(3))
    assert code_of(refused.value) == "household_limit"
    GroupBuy.objects.filter(pk=firewood.pk).update(step=D(1))
    with pytest.raises(ValidationError) as refused:
        services.commitment_set(user=alice, group_buy=stale, quantity=D("1.5"))
    assert code_of(refused.value) == "step"
    GroupBuy.objects.filter(pk=firewood.pk).update(status="cancelled")
    with pytest.raises(ValidationError) as refused:
        services.commitment_set(user=alice, group_buy=stale, quantity=D(2))
    assert code_of(refused.value) == "closed"
    assert total(firewood) == 0
    assert not Commitment.objects.filter(group_buy=firewood).exists()


def test_same_idempotency_key_is_applied_once(firewood, alice):
    first = services.commitment_set(
        user=alice, group_buy=firewood, quantity=D(2), idempotency_key="k-1"
    )
    # Meanwhile the household changed its order from another device.
    services.commitment_set(user=alice, group_buy=firewood, quantity=D(3))
    replay = services.commitment_set(
        user=alice, group_buy=firewood, quantity=D(2), idempotency_key="k-1"
    )
    assert replay.replayed and not first.replayed and replay.quantity == first.quantity
    assert total(firewood) == D(3)  # the retry did not set it back to 2
    with pytest.raises(ValidationError) as refused:
        services.commitment_set(
            user=alice, group_buy=firewood, quantity=D(4), idempotency_key="k-1"
        )
    assert code_of(refused.value) == "idempotency_key_reused"


def test_a_refused_request_does_not_burn_its_key(firewood, alice):
    with pytest.raises(ValidationError):
        services.commitment_set(user=alice, group_buy=firewood, quantity=D(9), idempotency_key="k")
    assert not IdempotentRequest.objects.filter(key="k").exists()
    services.commitment_set(user=alice, group_buy=firewood, quantity=D(5), idempotency_key="k2")
    assert total(firewood) == D(5)


def test_idempotency_keys_are_forgotten_after_a_day(firewood, alice):
    from datetime import timedelta

    from django.utils import timezone

    services.commitment_set(user=alice, group_buy=firewood, quantity=D(1), idempotency_key="old")
    services.commitment_set(user=alice, group_buy=firewood, quantity=D(2), idempotency_key="new")
    IdempotentRequest.objects.filter(key="old").update(
        created_at=timezone.now() - timedelta(days=2)
    )
    services.group_buys_close_due()
    assert list(IdempotentRequest.objects.values_list("key", flat=True)) == ["new"]
