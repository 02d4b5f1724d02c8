"""Method 1: co-optation by verified neighbours."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from community import selectors, services
from community.models import (
    CommunitySettings,
    EventKind,
    Method,
    RequestStatus,
    Status,
    VerificationEvent,
    Vouch,
)
from tests.conftest import make_user

from .conftest import declare, residence, verified


def test_two_vouches_from_different_households_verify(pending_resident, neighbours):
    request = services.cooptation_request_open(user=pending_resident)
    assert residence(pending_resident).status == Status.PENDING
    assert len(request.request_code) == 8

    services.vouch_create(voucher=neighbours[0], request=request)
    assert not selectors.is_verified(pending_resident)
    services.vouch_create(voucher=neighbours[1], request=request)

    assert selectors.is_verified(pending_resident)
    request.refresh_from_db()
    assert request.status == RequestStatus.APPROVED
    event = VerificationEvent.objects.get(resident=pending_resident, kind=EventKind.VERIFIED)
    assert event.method == Method.COOPTATION
    assert sorted(event.data["vouchers"]) == sorted([neighbours[0].pk, neighbours[1].pk])
    given = VerificationEvent.objects.filter(kind=EventKind.VOUCH_GIVEN, request=request)
    assert given.count() == 2


def test_two_vouches_from_the_same_household_do_not_verify(pending_resident, neighbours):
    # Same home written differently: case, accents, abbreviation and punctuation do not matter.
    partner = verified("partner@example.org", "11 Rue de l\u2019HORLOGE")
    assert partner.residence.household_key == neighbours[1].residence.household_key
    request = services.cooptation_request_open(user=pending_resident)

    services.vouch_create(voucher=neighbours[1], request=request)
    services.vouch_create(voucher=partner, request=request)
    assert not selectors.is_verified(pending_resident)
    assert request.vouches.count() == 2

    services.vouch_create(voucher=neighbours[0], request=request)
    assert selectors.is_verified(pending_resident)


def test_a_flat_in_the_same_building_is_another_household(in_dinan):
    first = declare(make_user("a@example.org"), "4 place Duclos", address_line2="Apt 1")
    second = declare(make_user("b@example.org"), "4 pl. Duclos", address_line2="Appartement 2")
    third = declare(make_user("c@example.org"), "4 Place DUCLOS", address_line2="apt. 1")
    assert first.household_key != second.household_key
    assert first.household_key == third.household_key
    assert "duclos" not in first.household_key


def test_council_sets_how_many_vouches_are_needed(pending_resident, neighbours, council_admin):
    services.community_settings_update(acting=council_admin, vouches_required=3)
    request = services.cooptation_request_open(user=pending_resident)
    for voucher in neighbours[:2]:
        services.vouch_create(voucher=voucher, request=request)
    assert not selectors.is_verified(pending_resident)
    services.vouch_create(voucher=neighbours[2], request=request)
    assert selectors.is_verified(pending_resident)


def test_monthly_vouching_limit_holds(neighbours, in_dinan):
    voucher = neighbours[0]
    candidates = []
    for i in range(4):
        person = make_user(f"candidate{i}@example.org")
        declare(person, f"{i + 1} rue Haute-Voie")
        candidates.append(services.cooptation_request_open(user=person))
    for request in candidates[:3]:
        services.vouch_create(voucher=voucher, request=request)
    with pytest.raises(ValidationError) as refused:
        services.vouch_create(voucher=voucher, request=candidates[3])
    assert refused.value.code == "vouch_limit"
    assert "at most 3" in refused.value.messages[0]

    # Withdrawing a vouch does not give it back.
    services.vouch_withdraw(voucher=voucher, vouch=Vouch.objects.get(request=candidates[0]))
    with pytest.raises(ValidationError):
        services.vouch_create(voucher=voucher, request=candidates[3])

    # Vouches older than 30 days no longer count.
    Vouch.objects.filter(voucher=voucher).update(created_at=timezone.now() - timedelta(days=31))
    services.vouch_create(voucher=voucher, request=candidates[3])


def test_only_verified_residents_can_vouch(pending_resident, in_dinan):
    request = services.cooptation_request_open(user=pending_resident)
    unverified = make_user("unverified@example.org")
    declare(unverified, "8 rue de Brest")
    with pytest.raises(ValidationError) as refused:
        services.vouch_create(voucher=unverified, request=request)
    assert refused.value.code == "not_verified"


def test_cannot_vouch_twice_or_for_oneself(pending_resident, neighbours):
    request = services.cooptation_request_open(user=pending_resident)
    services.vouch_create(voucher=neighbours[0], request=request)
    with pytest.raises(ValidationError) as twice:
        services.vouch_create(voucher=neighbours[0], request=request)
    assert twice.value.code == "duplicate"


def test_vouch_can_be_withdrawn_while_pending_but_not_after(pending_resident, neighbours):
    request = services.cooptation_request_open(user=pending_resident)
    first = services.vouch_create(voucher=neighbours[0], request=request)
    services.vouch_withdraw(voucher=neighbours[0], vouch=first)
    assert VerificationEvent.objects.filter(kind=EventKind.VOUCH_WITHDRAWN).count() == 1
    # The withdrawn vouch no longer counts.
    services.vouch_create(voucher=neighbours[1], request=request)
    assert not selectors.is_verified(pending_resident)
    second = services.vouch_create(voucher=neighbours[2], request=request)
    assert selectors.is_verified(pending_resident)
    with pytest.raises(ValidationError) as decided:
        services.vouch_withdraw(voucher=neighbours[2], vouch=second)
    assert decided.value.code == "decided"
    with pytest.raises(ValidationError):
        services.vouch_withdraw(voucher=neighbours[1], vouch=first)  # not theirs


def test_request_found_by_its_short_code_forgivingly(pending_resident, neighbours):
    request = services.cooptation_request_open(user=pending_resident)
    typed = f"{request.request_code[:4].lower()} - {request.request_code[4:]}"
    assert services.cooptation_request_by_code(typed) == request
    assert services.cooptation_request_by_code("ZZZZZZZZ") is None


def test_cooptation_request_expires_without_enough_vouches(pending_resident, neighbours):
    request = services.cooptation_request_open(user=pending_resident)
    services.vouch_create(voucher=neighbours[0], request=request)
    days = CommunitySettings.load().cooptation_days
    type(request).objects.filter(pk=request.pk).update(
        created_at=timezone.now() - timedelta(days=days, minutes=1)
    )

    with pytest.raises(ValidationError) as late:
        services.vouch_create(voucher=neighbours[1], request=request)
    assert late.value.code == "expired"
    request.refresh_from_db()
    assert request.status == RequestStatus.EXPIRED
    assert residence(pending_resident).status == Status.UNVERIFIED
    assert "in time" in residence(pending_resident).reason_text
    assert VerificationEvent.objects.filter(kind=EventKind.EXPIRED, request=request).exists()
    # A new request can be opened afterwards.
    services.cooptation_request_open(user=pending_resident)


def test_periodic_expiry_closes_old_requests(pending_resident, in_dinan):
    request = services.cooptation_request_open(user=pending_resident)
    assert services.verifications_expire_due() == 0
    type(request).objects.filter(pk=request.pk).update(
        created_at=timezone.now() - timedelta(days=31)
    )
    assert services.verifications_expire_due() == 1
    request.refresh_from_db()
    assert request.status == RequestStatus.EXPIRED


def test_staff_can_reject_a_cooptation_request(pending_resident, neighbours, staff):
    request = services.cooptation_request_open(user=pending_resident)
    services.vouch_create(voucher=neighbours[0], request=request)
    services.verification_request_reject(
        acting=staff, request=request, reason="These accounts vouch for each other only."
    )
    assert residence(pending_resident).status == Status.REJECTED
    assert residence(pending_resident).reason == "These accounts vouch for each other only."
    with pytest.raises(ValidationError):
        services.vouch_create(voucher=neighbours[1], request=request)


def test_invitation_link_opens_request_with_the_inviters_vouch(pending_resident, neighbours):
    invitation, token = services.cooptation_invitation_create(inviter=neighbours[0])
    assert token not in invitation.token_hash
    request = services.cooptation_invitation_accept(user=pending_resident, token=token)
    assert request.method == Method.COOPTATION
    assert list(request.vouches.values_list("voucher", flat=True)) == [neighbours[0].pk]
    with pytest.raises(ValidationError):  # single use
        services.cooptation_invitation_accept(user=pending_resident, token=token)
    services.vouch_create(voucher=neighbours[1], request=request)
    assert selectors.is_verified(pending_resident)


def test_expired_invitation_is_refused(pending_resident, neighbours):
    invitation, token = services.cooptation_invitation_create(inviter=neighbours[0])
    invitation.expires_at = timezone.now() - timedelta(seconds=1)
    invitation.save()
    with pytest.raises(ValidationError) as refused:
        services.cooptation_invitation_accept(user=pending_resident, token=token)
    assert refused.value.code == "bad_invitation"


def test_unverified_resident_cannot_invite(pending_resident):
    with pytest.raises(ValidationError):
        services.cooptation_invitation_create(inviter=pending_resident)


def test_vouching_graph_shows_vouchers_and_their_vouchers(pending_resident, neighbours):
    request = services.cooptation_request_open(user=pending_resident)
    services.vouch_create(voucher=neighbours[0], request=request)
    graph = selectors.vouching_graph(pending_resident)
    assert [edge.voucher for edge in graph["received"]] == [neighbours[0]]
    assert next(iter(selectors.vouching_graph(neighbours[0])["given"])).request == request


def test_hourly_task_expires_requests_in_every_council(pending_resident, saint_malo):
    from django_tenants.utils import tenant_context

    from community.tasks import expire_verifications_everywhere

    request = services.cooptation_request_open(user=pending_resident)
    type(request).objects.filter(pk=request.pk).update(
        created_at=timezone.now() - timedelta(days=31)
    )
    with tenant_context(saint_malo):
        malo = make_user("malo-pending@example.org")
        declare(malo)
        theirs = services.cooptation_request_open(user=malo)
        type(theirs).objects.filter(pk=theirs.pk).update(
            created_at=timezone.now() - timedelta(days=31)
        )
    expire_verifications_everywhere.apply()
    request.refresh_from_db()
    assert request.status == RequestStatus.EXPIRED
    with tenant_context(saint_malo):
        theirs.refresh_from_db()
        assert theirs.status == RequestStatus.EXPIRED
