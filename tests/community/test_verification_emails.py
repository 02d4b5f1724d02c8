"""The resident hears of every verification decision by email: in their language, in the
council's name, saying what happened and what to do next; once, even if the task runs twice."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from community import services
from community.models import EventKind, VerificationEvent
from tests.emails import assert_sent_by_council, council_contact

from .conftest import declare, pdf_bytes, upload


@pytest.fixture
def contact(dinan):
    return council_contact(dinan)


@pytest.fixture
def english(pending_resident):
    """The resident reads English (without a choice, the council's French is used)."""
    pending_resident.language = "en"
    pending_resident.save()
    return pending_resident


def _verify_by(method, resident, staff, neighbours):
    if method == "proof":
        proof = services.proof_submit(user=resident, upload=upload("bill.pdf", pdf_bytes()))
        services.verification_request_approve(acting=staff, request=proof)
    elif method == "in_person":
        services.resident_verify_in_person(acting=staff, resident=resident)
    elif method == "vouching":
        request = services.cooptation_request_open(user=resident)
        services.vouch_create(voucher=neighbours[0], request=request)
        services.vouch_create(voucher=neighbours[1], request=request)
    else:
        services.postcard_request(user=resident)
        batch = services.postcard_batch_create(acting=staff)
        [(_request, code)] = services.postcard_batch_issue_codes(acting=staff, batch=batch)
        services.postcard_batch_mark_posted(acting=staff, batch=batch)
        services.postcard_code_check(user=resident, code=code)


@pytest.mark.parametrize("method", ["proof", "in_person", "vouching", "postcard"])
def test_every_way_of_being_verified_emails_the_resident(
    method, english, staff, neighbours, dinan, contact, django_capture_on_commit_callbacks
):
    pending_resident = english
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        _verify_by(method, pending_resident, staff, neighbours)
    [message] = [m for m in mail.outbox if m.to == [pending_resident.email]]
    assert_sent_by_council(message, dinan)
    assert message.reply_to == [contact]
    assert message.subject == "Dinan: your address is verified"
    assert "3 rue du Jerzual" in message.body  # the address that was verified
    assert "http://dinan.localhost/" in message.body
    assert "Voting in consultations" in message.body  # what it unlocks here


def test_a_refusal_gives_the_reason_and_how_to_try_again_in_the_residents_language(
    pending_resident, staff, dinan, contact, django_capture_on_commit_callbacks
):
    pending_resident.language = "fr"
    pending_resident.save()
    proof = services.proof_submit(user=pending_resident, upload=upload("bill.pdf", pdf_bytes()))
    with django_capture_on_commit_callbacks(execute=True):
        services.verification_request_reject(
            acting=staff, request=proof, reason="Le document date de 2019."
        )
    [message] = mail.outbox
    assert_sent_by_council(message, dinan)
    assert message.to == [pending_resident.email]
    assert "n\u2019a pas pu vérifier votre adresse" in message.subject
    assert "Le document date de 2019." in message.body
    assert "http://dinan.localhost/verify/" in message.body
    assert "réessayez" in message.body.lower() or "essayez" in message.body.lower()


def test_a_revocation_says_why_and_how_to_be_verified_again(
    english, staff, dinan, contact, django_capture_on_commit_callbacks
):
    pending_resident = english
    services.resident_verify_in_person(acting=staff, resident=pending_resident)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.verification_revoke(acting=staff, resident=pending_resident, reason="Moved away.")
    [message] = mail.outbox
    assert_sent_by_council(message, dinan)
    assert message.subject == "Dinan: your address verification was withdrawn"
    assert "Moved away." in message.body and "http://dinan.localhost/verify/" in message.body


def test_a_decision_is_emailed_once_even_if_its_task_runs_again(
    pending_resident, staff, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.resident_verify_in_person(acting=staff, resident=pending_resident)
    event = VerificationEvent.objects.get(resident=pending_resident, kind=EventKind.VERIFIED)
    assert event.emailed_at is not None
    assert services.verification_decision_notice_send(event_id=event.pk) is False
    assert len(mail.outbox) == 1


def test_a_lost_task_is_redriven_by_the_hourly_work(pending_resident, staff):
    # No on-commit callback runs here: as if the broker lost the task.
    services.resident_verify_in_person(acting=staff, resident=pending_resident)
    event = VerificationEvent.objects.get(resident=pending_resident, kind=EventKind.VERIFIED)
    assert event.emailed_at is None and mail.outbox == []
    services.verifications_expire_due()
    assert mail.outbox == []  # too recent: its task may still be on its way
    VerificationEvent.objects.filter(pk=event.pk).update(
        created_at=timezone.now() - timedelta(minutes=15)
    )
    services.verifications_expire_due()
    assert [m.to for m in mail.outbox] == [[pending_resident.email]]
    services.verifications_expire_due()
    assert len(mail.outbox) == 1


def test_nothing_is_emailed_for_a_request_the_resident_withdraws(
    pending_resident, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        request = services.postcard_request(user=pending_resident)
        services.verification_request_cancel(user=pending_resident, request=request)
        declare(pending_resident, "8 rue de la Lainerie")
    assert mail.outbox == []


def test_a_mail_server_outage_leaves_the_decision_for_the_next_run(
    pending_resident, staff, settings
):
    import socket

    services.resident_verify_in_person(acting=staff, resident=pending_resident)
    event = VerificationEvent.objects.get(resident=pending_resident, kind=EventKind.VERIFIED)
    VerificationEvent.objects.filter(pk=event.pk).update(
        created_at=timezone.now() - timedelta(minutes=15)
    )
    with socket.socket() as closed:  # a port nobody listens on: the connection is refused
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 2
    services.verifications_expire_due()  # the expiry work is not stopped by the outage
    event.refresh_from_db()
    assert event.emailed_at is None
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    services.verifications_expire_due()
    event.refresh_from_db()
    assert event.emailed_at is not None and len(mail.outbox) == 1
