"""Issue 15: files are read only after rights and rate limits, the candidate's household never
vouches for them, nobody decides on their own verification, code lookups are limited."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from community import selectors, services
from community.models import RequestStatus, VerificationRequest
from community.services import PROOF_UPLOADS_PER_HOUR
from tests.conftest import CouncilClient, make_user

from .conftest import declare, pdf_bytes, upload, verified


def test_a_verified_resident_is_refused_before_their_file_is_read(in_dinan):
    person = verified("already@example.org")
    with pytest.raises(ValidationError) as error:
        services.proof_submit(user=person, upload=upload("x.jpg", b"not an image at all" * 10))
    assert error.value.code == "already_verified"


def test_proof_uploads_are_rate_limited_before_decoding(pending_resident):
    for _ in range(PROOF_UPLOADS_PER_HOUR):
        with pytest.raises(ValidationError) as error:
            services.proof_submit(user=pending_resident, upload=upload("x.jpg", b"junk" * 50))
        assert error.value.code == "bad_type"
    with pytest.raises(ValidationError) as error:
        services.proof_submit(user=pending_resident, upload=upload("x.jpg", b"junk" * 50))
    assert error.value.code == "rate_limited"


def test_a_vouch_from_the_candidates_own_household_never_counts(neighbours):
    alice = neighbours[0]
    newcomer = make_user("newcomer@example.org")
    declare(newcomer, alice.residence.address_line1)  # declares Alice's address
    request = services.cooptation_request_open(user=newcomer)

    with pytest.raises(ValidationError) as error:
        services.vouch_create(voucher=alice, request=request)
    assert error.value.code == "same_household"
    services.vouch_create(voucher=neighbours[1], request=request)
    assert not selectors.is_verified(newcomer)
    assert request.vouches.count() == 1


def test_an_invitation_from_the_candidates_household_is_refused(neighbours):
    alice = neighbours[0]
    newcomer = make_user("newcomer@example.org")
    declare(newcomer, alice.residence.address_line1)
    _invitation, token = services.cooptation_invitation_create(inviter=alice)
    with pytest.raises(ValidationError) as error:
        services.cooptation_invitation_accept(user=newcomer, token=token)
    assert error.value.code == "same_household"
    assert not VerificationRequest.objects.filter(resident=newcomer).exists()


def test_staff_never_print_the_code_of_their_own_postcard(in_dinan):
    agent = make_user("agent2@dinan.example", "agent")
    colleague = make_user("colleague@dinan.example", "agent")
    declare(agent, "7 rue de l'Apport")
    mine = services.postcard_request(user=agent)

    with pytest.raises(ValidationError):  # their own card is the only one waiting
        services.postcard_batch_create(acting=agent)
    batch = services.postcard_batch_create(acting=colleague)
    mine.refresh_from_db()
    assert mine.batch_id == batch.pk
    with pytest.raises(PermissionDenied):
        services.postcard_batch_issue_codes(acting=agent, batch=batch)
    mine.refresh_from_db()
    assert not mine.code_hash
    [(card, _code)] = services.postcard_batch_issue_codes(acting=colleague, batch=batch)
    assert card.pk == mine.pk and card.status == RequestStatus.REQUESTED


def test_vouch_code_lookups_by_post_are_limited_too(dinan, neighbours):
    voucher = neighbours[0]
    client = CouncilClient(dinan).login_as(voucher)
    for _ in range(30):
        assert client.post("/verify/vouch/ABCDEFGH/").status_code == 404
    assert client.post("/verify/vouch/ABCDEFGH/").status_code == 429


def test_a_pdf_proof_is_downloaded_under_a_sandbox_never_shown_inline(
    dinan, pending_resident, staff
):
    submitted = services.proof_submit(user=pending_resident, upload=upload("bill.pdf", pdf_bytes()))
    client = CouncilClient(dinan).login_as(staff)
    response = client.get(f"/staff/community/verification/{submitted.pk}/document/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Security-Policy"].startswith("sandbox")
