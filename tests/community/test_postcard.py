"""Method 3: postcard codes."""

import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from community import codes, selectors, services
from community.models import EventKind, RequestStatus, Status, VerificationEvent
from community.services.postcard import DAILY_ATTEMPTS, MAX_WRONG_PER_CODE
from core.models import AuditEntry
from core.ratelimit import RateLimited
from tests.conftest import make_user

from .conftest import declare, pdf_bytes, residence, upload


@pytest.fixture
def posted(pending_resident, staff):
    """The resident's postcard, printed and posted; returns (request, code in clear)."""
    services.postcard_request(user=pending_resident)
    batch = services.postcard_batch_create(acting=staff)
    [(request, code)] = services.postcard_batch_issue_codes(acting=staff, batch=batch)
    services.postcard_batch_mark_posted(acting=staff, batch=batch)
    request.refresh_from_db()
    return request, code


def wrong_code_for(code: str) -> str:
    return ("0" if code[0] != "0" else "1") + code[1:]


def test_code_has_forty_bits_in_crockford_base32(posted):
    _request, code = posted
    assert len(code) == 8 and set(code) <= set(codes.CROCKFORD)
    assert len(codes.CROCKFORD) ** len(code) == 2**40
    assert len({codes.new_code() for _ in range(2000)}) == 2000


def test_stored_value_is_not_the_code(posted):
    request, code = posted
    assert request.code_hash and code not in request.code_hash
    assert request.code_hash != codes.keyed_hash("postcard-code", request.pk + 1, code)
    assert len(request.code_hash) == 64


def test_postcard_end_to_end(posted, pending_resident):
    request, code = posted
    assert request.status == RequestStatus.POSTED
    assert request.code_expires_at > timezone.now() + timedelta(days=29)
    # Typed loosely: lower case, with the hyphen and spaces.
    services.postcard_code_check(user=pending_resident, code=f" {codes.display(code).lower()} ")
    assert selectors.is_verified(pending_resident)
    request.refresh_from_db()
    assert request.status == RequestStatus.APPROVED and request.code_hash == ""
    kinds = set(VerificationEvent.objects.filter(request=request).values_list("kind", flat=True))
    assert {
        EventKind.REQUEST_OPENED,
        EventKind.POSTCARD_PRINTED,
        EventKind.POSTCARD_POSTED,
        EventKind.VERIFIED,
    } <= kinds


def test_used_code_fails(posted, pending_resident, staff):
    _request, code = posted
    services.postcard_code_check(user=pending_resident, code=code)
    services.verification_revoke(acting=staff, resident=pending_resident, reason="Moved away.")
    with pytest.raises(ValidationError) as again:
        services.postcard_code_check(user=pending_resident, code=code)
    assert "no postcard code waiting" in again.value.messages[0]
    assert not selectors.is_verified(pending_resident)


def test_expired_code_fails(posted, pending_resident):
    request, code = posted
    type(request).objects.filter(pk=request.pk).update(code_expires_at=timezone.now())
    with pytest.raises(ValidationError) as late:
        services.postcard_code_check(user=pending_resident, code=code)
    assert "expired" in late.value.messages[0]
    request.refresh_from_db()
    assert request.status == RequestStatus.EXPIRED
    assert residence(pending_resident).status == Status.UNVERIFIED
    assert not selectors.is_verified(pending_resident)


def test_periodic_expiry_closes_posted_codes(posted, in_dinan):
    request, _code = posted
    type(request).objects.filter(pk=request.pk).update(
        code_expires_at=timezone.now() - timedelta(minutes=1)
    )
    assert services.postcard_expire_due() == 1
    request.refresh_from_db()
    assert request.status == RequestStatus.EXPIRED and request.code_hash == ""


def test_five_wrong_attempts_void_the_code(posted, pending_resident):
    request, code = posted
    for attempt in range(1, MAX_WRONG_PER_CODE + 1):
        with pytest.raises(ValidationError) as wrong:
            services.postcard_code_check(user=pending_resident, code=wrong_code_for(code))
        if attempt < MAX_WRONG_PER_CODE:
            left = MAX_WRONG_PER_CODE - attempt
            noun = "attempt" if left == 1 else "attempts"
            assert f"{left} {noun} left" in wrong.value.messages[0]
    # Even the right code no longer works: brute force gets 5 guesses out of 2^40.
    with pytest.raises(ValidationError):
        services.postcard_code_check(user=pending_resident, code=code)
    request.refresh_from_db()
    assert request.status == RequestStatus.EXPIRED
    assert request.failed_attempts == MAX_WRONG_PER_CODE
    assert VerificationEvent.objects.filter(kind=EventKind.CODE_LOCKED, request=request).exists()
    assert not selectors.is_verified(pending_resident)


def test_daily_attempts_per_account_are_limited_across_postcards(posted, pending_resident, staff):
    _request, code = posted
    for _ in range(MAX_WRONG_PER_CODE):
        with pytest.raises(ValidationError):
            services.postcard_code_check(user=pending_resident, code=wrong_code_for(code))
    # A fresh postcard gives 5 more guesses for that code, but not more per day for the account.
    services.postcard_request(user=pending_resident)
    batch = services.postcard_batch_create(acting=staff)
    [(_r, new_code)] = services.postcard_batch_issue_codes(acting=staff, batch=batch)
    services.postcard_batch_mark_posted(acting=staff, batch=batch)
    for _ in range(DAILY_ATTEMPTS - MAX_WRONG_PER_CODE):
        with pytest.raises(ValidationError):
            services.postcard_code_check(user=pending_resident, code=wrong_code_for(new_code))
    with pytest.raises(RateLimited):
        services.postcard_code_check(user=pending_resident, code=new_code)
    assert not selectors.is_verified(pending_resident)


def test_code_is_usable_only_once_posted_and_reprint_voids_old_codes(pending_resident, staff):
    services.postcard_request(user=pending_resident)
    batch = services.postcard_batch_create(acting=staff)
    [(_r, first)] = services.postcard_batch_issue_codes(acting=staff, batch=batch)
    with pytest.raises(ValidationError):  # not posted yet
        services.postcard_code_check(user=pending_resident, code=first)
    [(_r, second)] = services.postcard_batch_issue_codes(acting=staff, batch=batch)
    services.postcard_batch_mark_posted(acting=staff, batch=batch)
    with pytest.raises(ValidationError):  # the first print was replaced
        services.postcard_code_check(user=pending_resident, code=first)
    services.postcard_code_check(user=pending_resident, code=second)
    assert selectors.is_verified(pending_resident)
    with pytest.raises(ValidationError):  # a posted batch cannot be printed again
        services.postcard_batch_issue_codes(acting=staff, batch=batch)


def test_staff_can_reject_a_postcard_request(pending_resident, staff):
    request = services.postcard_request(user=pending_resident)
    services.verification_request_reject(
        acting=staff, request=request, reason="This address does not exist."
    )
    assert residence(pending_resident).status == Status.REJECTED
    assert residence(pending_resident).reason == "This address does not exist."


def test_print_batch_is_one_pdf_page_per_postcard(in_dinan, staff):
    from community.postcards import postcard_batch_render
    from tests.conftest import make_user

    from .conftest import declare

    people = []
    for i, name in enumerate(["Anne Le Bihan", "Yann Guéguen", "Soazig Perrin"]):
        person = make_user(f"card{i}@example.org", full_name=name)
        declare(person, f"{i + 2} rue de la Lainerie")
        services.postcard_request(user=person)
        people.append(person)
    batch = services.postcard_batch_create(acting=staff)
    rendered = postcard_batch_render(acting=staff, batch=batch)
    assert rendered.pdf.startswith(b"%PDF-") and rendered.pages == 3
    for person in people:
        assert person.full_name in rendered.html
    assert "rue de la Lainerie" in rendered.html and "22100 Dinan" in rendered.html
    assert "<svg" in rendered.html and "http://dinan.localhost/verify/code/" in rendered.html
    # The codes printed are the ones that work, and nothing stored holds them.
    printed = re.findall(r'class="code">([0-9A-Z]{4}-[0-9A-Z]{4})<', rendered.html)
    assert len(printed) == 3
    services.postcard_batch_mark_posted(acting=staff, batch=batch)
    # Postcards are printed in the council's language: find each card's code by its name.
    cards = rendered.html.split('<section class="card">')[1:]
    by_name = {
        person.full_name: re.search(r'class="code">([0-9A-Z-]{9})<', card).group(1)
        for card in cards
        for person in people
        if person.full_name in card
    }
    assert len(by_name) == 3
    services.postcard_code_check(user=people[1], code=by_name["Yann Guéguen"])
    assert selectors.is_verified(people[1]) and not selectors.is_verified(people[0])


def test_batches_hold_at_most_batch_max_cards_oldest_first(in_dinan, staff, monkeypatch):
    from community.services import postcard as postcard_services
    from tests.conftest import make_user

    from .conftest import declare

    monkeypatch.setattr(postcard_services, "BATCH_MAX", 2)
    requests = []
    for i in range(3):
        person = make_user(f"batch{i}@example.org")
        declare(person)
        requests.append(services.postcard_request(user=person))
    first = services.postcard_batch_create(acting=staff)
    assert set(first.requests.all()) == set(requests[:2])
    second = services.postcard_batch_create(acting=staff)
    assert list(second.requests.all()) == [requests[2]]
    with pytest.raises(ValidationError):
        services.postcard_batch_create(acting=staff)


def test_a_code_typed_before_the_card_is_posted_says_it_is_on_its_way(client_dinan, resident):
    from community import services

    from .conftest import declare

    declare(resident, "9 rue du Jerzual")
    services.postcard_request(user=resident)
    client_dinan.login_as(resident)
    page = client_dinan.get("/verify/code/").content.decode()
    assert "It has not been posted yet" in page
    response = client_dinan.post("/verify/code/", {"code": "ABCD-EFGH"})
    page = response.content.decode()
    assert "has not been posted yet" in page and "Request a postcard first" not in page


@pytest.mark.parametrize("method", ["proof", "vouching"])
def test_another_method_cancels_a_printed_postcard_for_good(
    method, pending_resident, staff, neighbours, client_dinan
):
    other = make_user("other-card@example.org")
    declare(other, "5 rue de la Lainerie")
    services.postcard_request(user=other)
    request = services.postcard_request(user=pending_resident)
    batch = services.postcard_batch_create(acting=staff)
    # Printed, not yet marked posted.
    cards = {
        r.resident_id: c for r, c in services.postcard_batch_issue_codes(acting=staff, batch=batch)
    }
    code = cards[pending_resident.pk]
    if method == "proof":
        proof = services.proof_submit(user=pending_resident, upload=upload("bill.pdf", pdf_bytes()))
        services.verification_request_approve(acting=staff, request=proof)
    else:
        vouching = services.cooptation_request_open(user=pending_resident)
        services.vouch_create(voucher=neighbours[0], request=vouching)
        services.vouch_create(voucher=neighbours[1], request=vouching)
    assert selectors.is_verified(pending_resident)
    request.refresh_from_db()
    assert request.status == RequestStatus.CANCELLED and request.code_hash == ""

    # Before posting, the batch page tells staff to take the card out.
    client_dinan.login_as(staff)
    url = f"/staff/community/postcards/{batch.pk}/"
    page = client_dinan.get(url).content.decode()
    assert "1 card of this batch was cancelled" in page and "take it out before posting" in page
    row = next(r for r in page.split("<tr>") if f"<td>{pending_resident.full_name}</td>" in r)
    assert "Cancelled" in row and "do not post" in row
    other_row = next(r for r in page.split("<tr>") if f"<td>{other.full_name}</td>" in r)
    assert "do not post" not in other_row

    # The batch can still be marked posted: the other card goes out, the cancelled one does not.
    response = client_dinan.post(f"{url}posted/", follow=True)
    page = response.content.decode()
    assert "1 card of this batch was cancelled before posting" in page
    request.refresh_from_db()
    assert request.status == RequestStatus.CANCELLED and request.code_expires_at is None
    assert not VerificationEvent.objects.filter(
        request=request, kind=EventKind.POSTCARD_POSTED
    ).exists()
    assert batch.requests.get(resident=other).status == RequestStatus.POSTED
    row = next(r for r in page.split("<tr>") if f"<td>{pending_resident.full_name}</td>" in r)
    assert "Cancelled" in row and "not posted" in row
    assert (
        AuditEntry.objects.get(action="community.postcard_batch_mark_posted").data["left_out"] == 1
    )

    # The printed code does not work: the resident is told they need no postcard.
    with pytest.raises(ValidationError) as refused:
        services.postcard_code_check(user=pending_resident, code=code)
    assert "already verified" in refused.value.messages[0]
    # Nor after the verification is revoked.
    services.verification_revoke(acting=staff, resident=pending_resident, reason="Moved away.")
    with pytest.raises(ValidationError):
        services.postcard_code_check(user=pending_resident, code=code)
    assert not selectors.is_verified(pending_resident)
    services.postcard_code_check(user=other, code=cards[other.pk])
    assert selectors.is_verified(other)
