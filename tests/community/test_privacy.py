"""A resident's data export and account deletion."""

import json
from pathlib import Path

from accounts.services import account_delete
from community import selectors, services
from community.models import Residence, VerificationEvent, VerificationRequest, Vouch
from tests.conftest import PASSWORD

from .conftest import declare, pdf_bytes, upload


def test_export_holds_the_residents_data(pending_resident, neighbours, client_dinan):
    request = services.cooptation_request_open(user=pending_resident)
    services.vouch_create(voucher=neighbours[0], request=request)
    response = client_dinan.login_as(pending_resident).get("/my-data/export.json")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)
    assert data["account"]["email"] == pending_resident.email
    assert data["community"]["residence"]["address_line1"] == "3 rue du Jerzual"
    assert data["community"]["residence"]["verification_status"] == "pending"
    [exported] = data["community"]["verification_requests"]
    assert exported["method"] == "cooptation" and len(exported["vouches_received"]) == 1
    assert "request_opened" in {e["event"] for e in data["community"]["history"]}
    # Nothing secret: no code hashes, no household keys.
    assert "code_hash" not in response.content.decode()
    assert neighbours[0].residence.household_key not in response.content.decode()


def test_export_needs_sign_in(client_dinan, in_dinan):
    assert client_dinan.get("/my-data/export.json").status_code == 302


def test_deletion_removes_personal_data_and_keeps_what_neighbours_rely_on(
    pending_resident, neighbours, staff
):
    # The resident to be deleted vouched for a neighbour, who is now verified.
    voucher = neighbours[0]
    request = services.cooptation_request_open(user=pending_resident)
    services.vouch_create(voucher=neighbours[1], request=request)
    services.vouch_create(voucher=voucher, request=request)
    newcomer = declare_user("newcomer@example.org")
    theirs = services.cooptation_request_open(user=newcomer)
    services.vouch_create(voucher=voucher, request=theirs)
    services.vouch_create(voucher=neighbours[2], request=theirs)
    assert selectors.is_verified(newcomer)
    # ...and has a proof file waiting somewhere (a second account to show files go too).
    other = declare_user("with-file@example.org")
    proof = services.proof_submit(user=other, upload=upload("b.pdf", pdf_bytes()))
    path = Path(proof.document.path)

    voucher_id = voucher.pk
    account_delete(user=voucher)
    account_delete(user=other)

    assert not path.exists()
    assert not Residence.objects.filter(user_id__in=[voucher_id, other.pk]).exists()
    assert not VerificationRequest.objects.filter(resident_id=other.pk).exists()
    # The neighbour stays verified; the vouch is kept without the person.
    assert selectors.is_verified(newcomer)
    kept = Vouch.objects.get(request=theirs, voucher__isnull=True)
    assert kept.voucher_household
    # Audit rows about the deleted person remain, anonymous and without personal details.
    assert not VerificationEvent.objects.filter(resident_id=voucher_id).exists()
    assert VerificationEvent.objects.filter(resident__isnull=True, actor__isnull=True).exists()


def test_account_deletion_page_runs_the_erasers(pending_resident, client_dinan):
    proof = services.proof_submit(user=pending_resident, upload=upload("b.pdf", pdf_bytes()))
    path = Path(proof.document.path)
    client = client_dinan.login_as(pending_resident)
    assert client.post("/accounts/delete/", {"password": PASSWORD}).status_code == 302
    assert not path.exists()


def declare_user(email):
    from tests.conftest import make_user

    user = make_user(email)
    declare(user)
    return user
