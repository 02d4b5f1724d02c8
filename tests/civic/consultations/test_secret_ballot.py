"""No way from a ballot to its voter: the schema, the data, and concurrent submissions."""

import threading

from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.db.models import DateField, DateTimeField, ForeignKey, TimeField
from django.utils import translation
from django_tenants.utils import tenant_context

from accounts.models import User
from civic.consultations import services
from civic.consultations.models import (
    Ballot,
    Consultation,
    Participation,
    QuestionKind,
    TextAnswer,
)
from civic.consultations.services import QuestionSpec
from community.models import Neighbourhood
from tests.conftest import make_user

from .conftest import citizen, make_consultation


def test_ballot_table_has_no_link_time_or_serial(in_dinan):
    fields = {f.name: f for f in Ballot._meta.get_fields() if f.concrete}
    assert set(fields) == {
        "id",
        "consultation",
        "answers",
        "codes",
        "neighbourhood",
        "receipt",
        "mixed",
    }
    assert fields["id"].get_internal_type() == "UUIDField"
    targets = {f.related_model for f in fields.values() if isinstance(f, ForeignKey)}
    assert targets == {Consultation, Neighbourhood}
    assert not [f for f in fields.values() if isinstance(f, DateField | DateTimeField | TimeField)]
    # Participations carry the day, never a time.
    times = [f.name for f in Participation._meta.concrete_fields if isinstance(f, DateTimeField)]
    assert times == []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name, data_type, column_default FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = 'civic_ballot'"
        )
        columns = {name: (kind, default) for name, kind, default in cursor.fetchall()}
        cursor.execute(
            "SELECT confrelid::regclass::text FROM pg_constraint "
            "WHERE conrelid = 'civic_ballot'::regclass AND contype = 'f'"
        )
        references = {row[0].split(".")[-1] for row in cursor.fetchall()}
    assert columns["id"][0] == "uuid"
    assert not [c for c, (_kind, default) in columns.items() if default and "nextval" in default]
    assert not [c for c, (kind, _d) in columns.items() if "time" in kind or kind == "date"]
    assert references == {"civic_consultation", "community_neighbourhood"}


def _rank_correlation(xs: list[int], ys: list[int]) -> float:
    """Spearman's rho of two orderings of the same items."""
    n = len(xs)
    rank_y = {v: i for i, v in enumerate(sorted(ys))}
    d2 = sum((x - rank_y[y]) ** 2 for x, y in zip(range(n), ys, strict=True))
    return 1 - 6 * d2 / (n * (n * n - 1))


def test_ballot_order_ids_and_transactions_do_not_follow_the_voters(communications_officer, hood_a):
    c = make_consultation(
        communications_officer,
        questions=[
            QuestionSpec(kind=QuestionKind.YES_NO, label="Agree?"),
            QuestionSpec(kind=QuestionKind.SHORT_TEXT, label="Why?", required=False),
        ],
    )
    key, why = (q.key for q in c.questions.order_by("order"))
    receipts = []
    # Each resident answers with their position, so the test can tell who cast which ballot.
    people = [citizen(hood_a) for _ in range(100)]
    for i, person in enumerate(people):
        answer = ["yes", "no", "abstain"][i % 3]
        with connection.cursor() as cursor:  # a new transaction id per vote, as in production
            cursor.execute("SAVEPOINT vote")
        raw = {key: answer, why: f"Reason {i}" if i % 10 == 0 else ""}
        receipts.append(services.participation_submit(user=person, consultation=c, raw=raw))
    assert services.ballots_mix(consultation=c) == 100
    assert services.ballots_mix(consultation=c) == 0  # nothing new: the box is left alone
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT receipt, xmin::text FROM civic_ballot WHERE consultation_id = %s ORDER BY ctid",
            [c.pk],
        )
        physical = cursor.fetchall()
        cursor.execute(
            "SELECT DISTINCT xmin::text FROM civic_participation WHERE consultation_id = %s",
            [c.pk],
        )
        participation_xids = {row[0] for row in cursor.fetchall()}
        cursor.execute("SELECT DISTINCT xmin::text FROM civic_textanswer")
        text_xids = {row[0] for row in cursor.fetchall()}
    cast_order = {r: i for i, r in enumerate(receipts)}
    physical_order = [cast_order[r] for r, _x in physical]
    assert sorted(physical_order) == list(range(100))
    # The physical order of ballots and the order of their ids say nothing of the voting order.
    assert abs(_rank_correlation(list(range(100)), physical_order)) < 0.4
    by_id = list(
        Ballot.objects.filter(consultation=c).order_by("id").values_list("receipt", flat=True)
    )
    assert abs(_rank_correlation(list(range(100)), [cast_order[r] for r in by_id])) < 0.4
    # Every ballot now carries the mixer's transaction id, shared with no participation.
    ballot_xids = {x for _r, x in physical}
    assert len(ballot_xids) == 1 and not ballot_xids & participation_xids
    # The same for free texts, which are not linked to their ballot either.
    assert TextAnswer.objects.count() == 10 and text_xids == ballot_xids
    # Participations hold the day only; ballots no time at all.
    assert {p.day for p in Participation.objects.filter(consultation=c)} == {
        Participation.objects.filter(consultation=c).first().day
    }


def test_parallel_submissions_by_one_person_make_one_participation_and_one_ballot(
    django_db_setup, committed_db
):
    from tenants.models import Council

    dinan = Council.objects.get(slug="dinan")
    with tenant_context(dinan):
        officer = make_user("parallel-comms@dinan.example", "communications_officer")
        person = make_user("parallel-voter@example.org")
        from community.models import CommunitySettings

        settings = CommunitySettings.load()
        settings.require_vote = False
        settings.save()
        c = make_consultation(officer, eligibility="signed_in")
        key = c.questions.get().key
    outcomes: list[str] = []
    barrier = threading.Barrier(4)

    def vote(answer: str) -> None:
        connection.set_tenant(dinan)
        try:
            barrier.wait(timeout=10)
            with translation.override("en"):
                services.participation_submit(user=person, consultation=c, raw={key: answer})
            outcomes.append("ok")
        except ValidationError as error:
            outcomes.append(error.messages[0])
        except Exception as error:
            outcomes.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=vote, args=(a,)) for a in ("yes", "no", "yes", "no")]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        with tenant_context(dinan):
            assert sorted(outcomes) == ["You have already taken part in this consultation."] * 3 + [
                "ok"
            ]
            assert Participation.objects.filter(consultation=c).count() == 1
            assert Ballot.objects.filter(consultation=c).count() == 1
    finally:
        with tenant_context(dinan):
            Consultation.objects.filter(pk=c.pk).delete()
            from core.models import AuditEntry

            # The audit log refuses DELETE (trigger): its rows stay, as in production.
            assert AuditEntry.objects.exists()
            User.objects.filter(pk__in=[officer.pk, person.pk]).delete()
            settings.require_vote = True
            settings.save()
