"""Closing at the deadline (beat) or early at the maximum: confirmed at the final tier's price
with each household emailed, or cancelled and everyone told; closing twice emails once."""

import time
import uuid
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django_tenants.utils import tenant_context

from community.group_buys import selectors, services, tasks
from community.group_buys.models import Commitment, GroupBuy
from community.services import community_settings_update
from core.models import AuditEntry
from tenants.models import Council, current_council
from tests.emails import assert_sent_by_council
from tests.factories import ResidenceFactory, UserFactory

from .conftest import TIERS, D, buy, code_of, committed_group_buy, expire, households


@pytest.fixture
def twenty(firewood, in_dinan):
    """Four households ordering 5 stères each: exactly the 20 of the second tier."""
    people = households(4)
    for person in people:
        services.commitment_set(user=person, group_buy=firewood, quantity=D(5))
    return people


def test_closing_at_the_deadline_confirms_at_the_tier_reached(
    firewood, twenty, django_capture_on_commit_callbacks
):
    expire(firewood)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.group_buys_close_due() == [firewood.pk]
    firewood.refresh_from_db()
    assert firewood.status == "confirmed" and firewood.final_unit_price == D(78)
    assert len(mail.outbox) == 4
    message = next(m for m in mail.outbox if m.to == [twenty[0].email])
    assert "Bois de chauffage" in message.subject
    # In the council's language (French) for residents who chose none.
    for fact in ("5 stère", "78,00 €", "390,00 €", "85,00 €"):  # 5 x (95 - 78) = 85 saved
        assert fact in message.body, fact
    assert "commission" in message.body
    assert selectors.group_buy_saving(firewood) == D("85.00") * 4


def test_outcome_emails_come_in_the_councils_name_headers_encoded_as_django_does(
    firewood, twenty, dinan, django_capture_on_commit_callbacks
):
    from email.header import decode_header, make_header

    from django.core.mail import EmailMessage

    from accounts.services import council_sender

    twenty[1].language = "en"
    twenty[1].save(update_fields=["language"])
    expire(firewood)
    with django_capture_on_commit_callbacks(execute=True):
        services.group_buys_close_due()
    by_address = {m.to[0]: m for m in mail.outbox}
    french, english = by_address[twenty[0].email], by_address[twenty[1].email]
    assert french.subject == "Achat groupé confirmé : Bois de chauffage"
    assert english.subject == "Group buy confirmed: Bois de chauffage"
    assert "Your household's quantity: 5 stère" in english.body
    assert twenty[1].full_name in english.body and twenty[0].full_name in french.body
    from_email, reply_to = council_sender(dinan)
    for message in (french, english):
        assert message.from_email == from_email and message.reply_to == reply_to
        # The headers encoded once for the batch are those Django writes for each message.
        mime = message.message()
        plain = EmailMessage(message.subject, message.body, message.from_email).message()
        assert mime["Subject"] == plain["Subject"] and mime["From"] == plain["From"]
        assert str(make_header(decode_header(mime["Subject"]))) == message.subject


def test_closing_twice_emails_once(firewood, twenty, django_capture_on_commit_callbacks):
    expire(firewood)
    with django_capture_on_commit_callbacks(execute=True):
        services.group_buys_close_due()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.group_buys_close_due() == []
        assert services.group_buy_close(group_buy_id=firewood.pk) == "confirmed"
    assert services.group_buy_notify(group_buy_id=firewood.pk) == 0
    assert len(mail.outbox) == 4
    assert not Commitment.objects.filter(group_buy=firewood, notified_at=None).exists()


def test_below_the_minimum_it_is_cancelled_and_everyone_told(
    firewood, alice, bruno, django_capture_on_commit_callbacks
):
    services.commitment_set(user=alice, group_buy=firewood, quantity=D(5))
    services.commitment_set(user=bruno, group_buy=firewood, quantity=D("4.5"))  # 9.5 < 10
    expire(firewood)
    with django_capture_on_commit_callbacks(execute=True):
        services.group_buys_close_due()
    firewood.refresh_from_db()
    assert firewood.status == "cancelled" and firewood.final_unit_price is None
    assert sorted(m.to[0] for m in mail.outbox) == sorted([alice.email, bruno.email])
    assert all("Bois de chauffage" in m.subject for m in mail.outbox)
    for message in mail.outbox:
        assert_sent_by_council(message, current_council())
    assert not any("€" in m.body for m in mail.outbox)
    assert selectors.group_buy_saving(firewood) == 0


def test_an_open_group_buy_before_its_deadline_stays_open(firewood, twenty):
    assert services.group_buys_close_due() == []
    assert services.group_buy_close(group_buy_id=firewood.pk) == "open"


def test_organiser_closes_early_only_at_the_maximum(
    organiser, alice, bruno, django_capture_on_commit_callbacks
):
    group_buy = buy(organiser, minimum_total=D(5), maximum_total=D(10))
    services.commitment_set(user=alice, group_buy=group_buy, quantity=D(5))
    with pytest.raises(ValidationError) as refused:
        services.group_buy_close(group_buy_id=group_buy.pk, acting=organiser, early=True)
    assert code_of(refused.value) == "not_full"
    services.commitment_set(user=bruno, group_buy=group_buy, quantity=D(5))
    with pytest.raises(PermissionDenied):
        services.group_buy_close(group_buy_id=group_buy.pk, acting=alice, early=True)
    with django_capture_on_commit_callbacks(execute=True):
        status = services.group_buy_close(group_buy_id=group_buy.pk, acting=organiser, early=True)
    assert status == "confirmed" and len(mail.outbox) == 2
    entry = AuditEntry.objects.get(action="community.group_buy_close")
    assert entry.actor_id == organiser.pk and entry.target_id == str(group_buy.pk)
    # Nobody can commit any more.
    with pytest.raises(ValidationError):
        services.commitment_set(user=alice, group_buy=group_buy, quantity=D(1))


def test_resident_organiser_closes_their_own_group_buy(
    alice, bruno, staff, django_capture_on_commit_callbacks
):
    community_settings_update(acting=staff, residents_organise_group_buys=True)
    group_buy = buy(alice, minimum_total=D(5), maximum_total=D(5))
    assert not group_buy.organised_by_staff
    services.commitment_set(user=bruno, group_buy=group_buy, quantity=D(5))
    with django_capture_on_commit_callbacks(execute=True):
        services.group_buy_close(group_buy_id=group_buy.pk, acting=alice, early=True)
    assert (
        AuditEntry.objects.filter(action="community.group_buy_close", actor_id=alice.pk).count()
        == 1
    )


def test_beat_fan_out_closes_due_group_buys_in_each_council(firewood, twenty, dinan):
    expire(firewood)
    from django.db import connection

    connection.set_schema_to_public()  # beat sends from the public schema
    tasks.close_due_group_buys_everywhere.delay()
    connection.set_tenant(dinan)
    firewood.refresh_from_db()
    assert firewood.status == "confirmed"


@pytest.mark.live
def test_worker_closes_and_emails_each_household_once(
    django_db_setup, committed_db, live_celery, worker_outbox
):
    council = Council.objects.get(slug="dinan")
    tag = f"close-{uuid.uuid4().hex[:8]}"
    with (
        committed_group_buy(
            council,
            tag,
            minimum_total=D(2),
            delivery="pickup",
            pickup_place="Marché du Champ",
            tiers=[(D(1), D("2.5"))],
        ) as group_buy,
        tenant_context(council),
    ):
        people = []
        for i in range(3):
            person = UserFactory(email=f"{tag}-{i}@example.org", language="en")
            ResidenceFactory(user=person, status="verified", household_key=f"{tag}-{i}")
            services.commitment_set(user=person, group_buy=group_buy, quantity=D(2))
            people.append(person)
        GroupBuy.objects.filter(pk=group_buy.pk).update(
            deadline=timezone.now() - timedelta(seconds=1)
        )
        tasks.close_due_group_buys_everywhere.delay()
        tasks.close_due_group_buys_everywhere.delay()  # beat's next run, or a redelivery
        messages = worker_outbox.wait_for(3)
        time.sleep(1.5)  # room for a duplicate to show up
        messages = worker_outbox.messages()
        assert len(messages) == 3
        assert all("Marché du Champ" in m and "5.00 €" in m for m in messages)
        assert all(sum(p.email in m for m in messages) == 1 for p in people)  # each once
        group_buy.refresh_from_db()
        assert group_buy.status == "confirmed"


def test_tiers_are_copied_when_a_past_group_buy_is_duplicated(firewood, organiser):
    initial = services.group_buy_initial_from(firewood)
    assert initial["tiers"] == TIERS and initial["deadline"] is None
    fields = {k: v for k, v in initial.items() if k != "deadline"}
    copy = services.group_buy_create(
        acting=organiser,
        duplicated_from=firewood,
        deadline=timezone.now() + timedelta(days=30),
        **fields,
    )
    assert copy.pk != firewood.pk and selectors.tiers_of(copy) == TIERS
    assert copy.duplicated_from == firewood and copy.total_committed == 0
