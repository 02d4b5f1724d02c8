"""The resident's data (export, erasure) and consultation emails (opening, reminder, outcome)."""

import datetime

from django.core import mail
from django.utils import timezone

from accounts.services import account_delete
from civic.consultations import notifications, services
from civic.consultations.models import (
    Ballot,
    Consultation,
    ConsultationSubscription,
    Participation,
    QuestionKind,
    TextAnswer,
)
from civic.consultations.services import QuestionSpec
from core.privacy import personal_data_export
from tenants.models import current_council
from tests.conftest import CouncilClient
from tests.emails import assert_sent_by_council

from .conftest import citizen, make_consultation


def test_export_lists_participations_but_never_secret_ballots(communications_officer, voter):
    secret = make_consultation(communications_officer, title="Secret one")
    services.participation_submit(
        user=voter, consultation=secret, raw={secret.questions.get().key: "abstain"}
    )
    named = make_consultation(communications_officer, title="Named one", ballot_mode="named")
    services.participation_submit(
        user=voter, consultation=named, raw={named.questions.get().key: "no"}
    )
    exported = personal_data_export(voter)["consultations"]
    by_title = {row["consultation"]: row for row in exported}
    assert by_title["Secret one"]["answers"] is None
    assert "abstain" not in str(exported)
    assert by_title["Named one"]["answers"] == {named.questions.get().key: "no"}


def test_account_deletion_anonymises_named_contributions(communications_officer, hood_a):
    person = citizen(hood_a, full_name="Noémie Named")
    c = make_consultation(
        communications_officer,
        ballot_mode="named",
        questions=[
            QuestionSpec(kind=QuestionKind.YES_NO, label="Agree?"),
            QuestionSpec(kind=QuestionKind.SHORT_TEXT, label="Who are you?"),
        ],
    )
    agree, who = c.questions.order_by("order")
    services.participation_submit(
        user=person, consultation=c, raw={agree.key: "yes", who.key: "Noémie, the baker"}
    )
    secret = make_consultation(communications_officer, title="Secret")
    services.participation_submit(
        user=person, consultation=secret, raw={secret.questions.get().key: "yes"}
    )
    account_delete(user=person)
    assert not TextAnswer.objects.filter(text__contains="baker").exists()
    assert list(Participation.objects.values_list("user", flat=True)) == [None, None]
    assert Participation.objects.get(consultation=c).answers == {agree.key: "yes"}
    assert Ballot.objects.count() == 1  # the secret ballot still counts


def test_news_emails_opening_reminder_and_outcome_once_each(
    dinan, communications_officer, hood_a, hood_b, django_capture_on_commit_callbacks
):
    inside, outside = citizen(hood_a, language="en"), citizen(hood_b, language="en")
    for person in (inside, outside):
        services.subscription_set(user=person, subscribed=True)
    with django_capture_on_commit_callbacks(execute=True):
        c = make_consultation(communications_officer, whole_council=False, neighbourhoods=[hood_a])
    assert [m.to for m in mail.outbox] == [[inside.email]]
    assert "New consultation" in mail.outbox[0].subject
    assert "List-Unsubscribe-Post" in mail.outbox[0].extra_headers
    assert_sent_by_council(mail.outbox[0], current_council())
    # Reminder: two days before close, sent once however often beat runs.
    Consultation.objects.filter(pk=c.pk).update(
        closes_at=timezone.now() + datetime.timedelta(days=1)
    )
    notifications.due_send()
    notifications.due_send()
    assert [m.subject for m in mail.outbox[1:]] == ["Two days left to take part: " + c.title]
    voter = citizen(hood_a, language="en")
    services.participation_submit(
        user=voter, consultation=c, raw={c.questions.get().key: "yes"}, wants_outcome=True
    )
    services.consultation_close(actor=communications_officer, consultation=c)
    with django_capture_on_commit_callbacks(execute=True):
        services.outcome_publish(actor=communications_officer, consultation=c, outcome="Built.")
    with django_capture_on_commit_callbacks(execute=True):
        services.outcome_publish(
            actor=communications_officer, consultation=c, outcome="Fixed typo."
        )
    outcome = [m for m in mail.outbox if m.subject.startswith("Consultation outcome")]
    assert sorted(m.to[0] for m in outcome) == sorted([inside.email, voter.email])
    # One-click unsubscribe.
    token = ConsultationSubscription.objects.get(user=inside).token
    CouncilClient(dinan).post(f"/consultations/unsubscribe/{token}/")
    assert not ConsultationSubscription.objects.filter(user=inside).exists()
