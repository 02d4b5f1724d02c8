"""Lending records with their reminder, the data export and account deletion."""

import json
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.services import account_delete
from community.mutual_aid import services, tasks
from community.mutual_aid.models import Conversation, Listing, Loan, Message
from core.privacy import personal_data_export
from tests.conftest import CouncilClient

from .conftest import post


@pytest.fixture
def agreed_loan(alice, bruno):
    listing = post(alice, title="Perceuse à prêter", code="lending")
    conversation = services.conversation_open(listing=listing, respondent=bruno, body="Merci !")
    services.listing_agree(listing=listing, actor=alice, conversation=conversation)
    listing.refresh_from_db()
    return listing, conversation


def test_a_loan_is_recorded_and_reminded_on_its_due_date_once(agreed_loan, alice, bruno, chloe):
    listing, _conversation = agreed_loan
    today = timezone.localdate()
    with pytest.raises(PermissionDenied):
        services.loan_create(listing=listing, actor=chloe, starts_on=today, due_on=today)
    with pytest.raises(ValidationError):
        services.loan_create(
            listing=listing, actor=alice, starts_on=today, due_on=today - timedelta(days=1)
        )
    loan = services.loan_create(
        listing=listing, actor=alice, starts_on=today, due_on=today + timedelta(days=3)
    )
    assert (loan.lender, loan.borrower, loan.item) == (alice, bruno, "Perceuse à prêter")
    assert tasks.mutual_aid_periodic() == 0  # not due yet
    Loan.objects.filter(pk=loan.pk).update(due_on=today)
    assert tasks.mutual_aid_periodic() == 1
    assert sorted(m.to[0] for m in mail.outbox) == ["alice@example.org", "bruno@example.org"]
    assert any("due back today" in m.body for m in mail.outbox)
    assert tasks.mutual_aid_periodic() == 0
    with pytest.raises(PermissionDenied):
        services.loan_close(loan=loan, actor=bruno, returned=True)
    services.loan_close(loan=loan, actor=alice, returned=False)
    assert Loan.objects.get(pk=loan.pk).status == "not_returned"


def test_loans_only_on_lending_listings(alice, bruno):
    listing = post(alice, code="diy")
    conversation = services.conversation_open(listing=listing, respondent=bruno, body="Oui")
    services.listing_agree(listing=listing, actor=alice, conversation=conversation)
    today = timezone.localdate()
    with pytest.raises(ValidationError):
        services.loan_create(listing=listing, actor=alice, starts_on=today, due_on=today)


def test_the_lender_closes_the_loan_from_my_page(agreed_loan, alice, client_dinan):
    listing, _ = agreed_loan
    today = timezone.localdate()
    client = client_dinan.login_as(alice)
    client.post(
        f"/mutual-aid/listings/{listing.pk}/loan/",
        {"starts_on": today.isoformat(), "due_on": (today + timedelta(days=7)).isoformat()},
    )
    loan = Loan.objects.get(listing=listing)
    assert "Perceuse à prêter" in client.get("/mutual-aid/mine/").content.decode()
    client.post(f"/mutual-aid/loans/{loan.pk}/close/", {"returned": "yes"})
    assert Loan.objects.get(pk=loan.pk).status == "returned"


def test_the_export_holds_listings_messages_and_loans(agreed_loan, alice, bruno):
    listing, conversation = agreed_loan
    services.message_send(conversation=conversation, sender=alice, body="Passez samedi")
    today = timezone.localdate()
    services.loan_create(listing=listing, actor=alice, starts_on=today, due_on=today)
    data = json.loads(json.dumps(personal_data_export(alice), default=str))["mutual_aid"]
    assert data["listings"][0]["title"] == "Perceuse à prêter"
    bodies = [m["body"] for m in data["conversations"][0]["messages"]]
    assert bodies == ["Merci !", "Passez samedi"]
    assert data["conversations"][0]["with"] == "Bruno"
    assert data["loans"][0]["role"] == "lender"
    assert "bruno@example.org" not in json.dumps(data)


def test_deletion_removes_listings_and_anonymises_messages_other_thread_readable(
    agreed_loan, alice, bruno, dinan
):
    _listing, conversation = agreed_loan
    services.message_send(
        conversation=conversation, sender=bruno, body="Écrivez-moi à bruno@example.org"
    )
    mine = post(bruno, title="Je promène les chiens", code="plants-pets")
    other = services.conversation_open(listing=mine, respondent=alice, body="Mon chien Rex")
    account_delete(user=bruno)
    assert not Listing.objects.filter(pk=mine.pk).exists()
    # Alice's threads remain, with Bruno's messages, without his name or email.
    assert Conversation.objects.filter(pk__in=[conversation.pk, other.pk]).count() == 2
    texts = list(Message.objects.filter(conversation=conversation).values_list("body", "sender"))
    assert ("Merci !", None) in texts
    assert all("bruno@example.org" not in body for body, _ in texts)
    page = CouncilClient(dinan).login_as(alice).get(conversation.get_absolute_url())
    body = page.content.decode()
    assert page.status_code == 200 and "Merci !" in body and "A former resident" in body
    assert "Bruno" not in body
    other_page = CouncilClient(dinan).login_as(alice).get(other.get_absolute_url())
    assert other_page.status_code == 200 and "Mon chien Rex" in other_page.content.decode()
    assert "Je promène les chiens" in other_page.content.decode()  # the title stays
