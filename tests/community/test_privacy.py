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


# --- nothing left behind ------------------------------------------------------------------------

EMAIL = "Deleted.Person@Example.org"
PHONE = "+33645871239"
# How the number may have been written: E.164, national, with spaces, its national digits.
PHONE_FORMS = (PHONE, "0645871239", "06 45 87 12 39", "645871239")


def _columns_holding(needle: str, app_labels=("accounts", "community", "core")) -> list[str]:
    """Every column of every model of these apps whose text holds `needle` (any case)."""
    from django.apps import apps
    from django.db import connection

    found = []
    with connection.cursor() as cursor:
        for label in app_labels:
            for model in apps.get_app_config(label).get_models(include_auto_created=True):
                table = model._meta.db_table
                for field in model._meta.concrete_fields:
                    cursor.execute(
                        f'SELECT count(*) FROM "{table}" WHERE "{field.column}"::text ILIKE %s',
                        [f"%{needle}%"],
                    )
                    if cursor.fetchone()[0]:
                        found.append(f"{table}.{field.column}")
    return found


def test_deletion_leaves_no_email_or_phone_in_any_column(neighbours, staff, agent):
    """A resident who used every community feature, and whom staff described with their contact
    details in free text, leaves neither their email nor their phone number anywhere."""
    from django.core.cache import cache
    from django.utils import timezone

    from tests.conftest import make_user

    person = make_user(EMAIL.lower(), full_name="Deleted Person")
    declare(person, "7 rue de la Lainerie")
    # Their phone, confirmed by SMS (an event is written).
    services.phone_confirmation_send(user=person, phone="06 45 87 12 39", ip="192.0.2.1")
    cache_key = f"phone-code:{person.pk}"
    pending = cache.get(cache_key)
    assert pending["phone"] == PHONE
    person.phone, person.phone_confirmed_at = PHONE, timezone.now()
    person.save(update_fields=["phone", "phone_confirmed_at"])
    # Co-optation: vouched for by neighbours, a rejected attempt whose reason names them.
    cooptation = services.cooptation_request_open(user=person)
    services.vouch_create(voucher=neighbours[0], request=cooptation)
    services.verification_request_reject(
        acting=agent,
        request=cooptation,
        reason=f"Called {PHONE} and wrote to {EMAIL}: not at this address.",
    )
    # A proof of address, then a postcard printed and posted.
    proof = services.proof_submit(user=person, upload=upload("bill.pdf", pdf_bytes()))
    services.verification_request_reject(
        acting=staff, request=proof, reason=f"Bill in another name; ask {EMAIL}."
    )
    services.postcard_request(user=person)
    batch = services.postcard_batch_create(acting=agent)
    services.postcard_batch_issue_codes(acting=agent, batch=batch)
    services.postcard_batch_mark_posted(acting=agent, batch=batch)
    # Verified at the counter, then revoked with a note quoting the number; verified again,
    # then they invite and vouch for a newcomer.
    services.resident_verify_in_person(acting=staff, resident=person, note=f"Phone {PHONE}")
    services.verification_revoke(acting=agent, resident=person, reason=f"Duplicate of {EMAIL}")
    services.resident_verify_in_person(acting=staff, resident=person, note="ID card")
    _invitation, token = services.cooptation_invitation_create(inviter=person)
    newcomer = declare_user("newcomer@example.org")
    services.cooptation_invitation_accept(user=newcomer, token=token)
    assert any(_columns_holding(EMAIL)) and any(_columns_holding(PHONE))

    account_delete(user=person)

    for needle in (EMAIL, *PHONE_FORMS):
        assert _columns_holding(needle) == [], needle
    assert cache.get(cache_key) is None
    # The neighbour's co-optation still counts the deleted person's vouch.
    assert Vouch.objects.filter(request__resident=newcomer, voucher__isnull=True).exists()
