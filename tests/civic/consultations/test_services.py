"""Staff services (roles, states, audit rows) and the validation of answers."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from civic.consultations import services
from civic.consultations.models import (
    Ballot,
    Consultation,
    Participation,
    Phase,
    QuestionKind,
    TextAnswer,
)
from civic.consultations.services import QuestionSpec
from core.models import AuditEntry

from .conftest import every_kind, full_answers, make_consultation


def test_staff_lifecycle_is_audited_step_by_step(communications_officer, hood_a, voter):
    c = make_consultation(communications_officer, open_now=False, questions=every_kind())
    assert c.phase == Phase.DRAFT
    services.consultation_schedule(actor=communications_officer, consultation=c)
    c.refresh_from_db()
    assert c.phase == Phase.SCHEDULED
    services.consultation_open_now(actor=communications_officer, consultation=c)
    c.refresh_from_db()
    assert c.phase == Phase.OPEN
    services.participation_submit(user=voter, consultation=c, raw=full_answers(c))
    services.consultation_close(actor=communications_officer, consultation=c)
    c.refresh_from_db()
    assert c.phase == Phase.CLOSED
    services.results_publish(actor=communications_officer, consultation=c)
    services.outcome_publish(
        actor=communications_officer, consultation=c, outcome="We build it. <script>x</script>"
    )
    c.refresh_from_db()
    assert c.phase == Phase.PUBLISHED and c.results_cache["ballots"] == 1
    assert "<script>" not in c.outcome_html and "We build it." in c.outcome_html
    actions = list(
        AuditEntry.objects.filter(target_id=str(c.pk), target_type="civic.consultation")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions[0] == "civic.consultation_create"
    assert actions[-5:] == [
        "civic.consultation_schedule",
        "civic.consultation_open",
        "civic.consultation_close",
        "civic.consultation_results_publish",
        "civic.consultation_outcome_publish",
    ]
    # An online vote by a resident is not a staff action: nothing about it in the audit log.
    assert not AuditEntry.objects.filter(actor_id=voter.pk).exists()


@pytest.mark.parametrize("persona", ["resident", "agent", "moderator", "elected_official"])
def test_only_communications_officers_and_admins_manage(persona, request, hood_a):
    actor = request.getfixturevalue(persona)
    now = timezone.now()
    with pytest.raises(PermissionDenied):
        services.consultation_create(
            actor=actor, title="X", opens_at=now, closes_at=now + datetime.timedelta(days=1)
        )
    assert not Consultation.objects.exists()


def test_council_admin_manages_and_duplicates_with_conditions(council_admin, hood_a):
    c = make_consultation(council_admin, whole_council=False, neighbourhoods=[hood_a])
    parent = c.questions.get(kind=QuestionKind.YES_NO)
    services.consultation_close(actor=council_admin, consultation=c)
    with pytest.raises(ValidationError):  # closed: no more changes
        services.question_save(
            actor=council_admin,
            consultation=c,
            spec=QuestionSpec(kind=QuestionKind.SHORT_TEXT, label="Late"),
        )
    # A conditional question on a fresh draft copy, then the copy of the copy keeps it.
    copy = services.consultation_duplicate(actor=council_admin, consultation=c)
    copied_parent = copy.questions.get()
    services.question_save(
        actor=council_admin,
        consultation=copy,
        spec=QuestionSpec(
            kind=QuestionKind.SHORT_TEXT, label="Why?", show_if=copied_parent, show_if_value="no"
        ),
    )
    again = services.consultation_duplicate(actor=council_admin, consultation=copy)
    why = again.questions.get(label="Why?")
    assert why.show_if.consultation_id == again.pk and why.show_if_value == "no"
    assert again.phase == Phase.DRAFT and list(again.neighbourhoods.all()) == [hood_a]
    assert parent.consultation_id == c.pk


def test_question_rules(communications_officer, hood_a):
    c = make_consultation(communications_officer, open_now=False)
    bad = [
        QuestionSpec(kind=QuestionKind.SINGLE, label="One option", choices=["Only"]),
        QuestionSpec(kind=QuestionKind.SCALE, label="Odd scale", scale_min=2, scale_max=7),
        QuestionSpec(kind=QuestionKind.MULTIPLE, label="Bounds", choices=["a", "b"], min_choices=3),
        QuestionSpec(kind=QuestionKind.NUMBER, label="N", number_min=5, number_max=1),
        QuestionSpec(kind=QuestionKind.SHORT_TEXT, label=" "),
    ]
    for spec in bad:
        with pytest.raises(ValidationError):
            services.question_save(actor=communications_officer, consultation=c, spec=spec)
    text = services.question_save(
        actor=communications_officer,
        consultation=c,
        spec=QuestionSpec(kind=QuestionKind.SHORT_TEXT, label="Why?"),
    )
    with pytest.raises(ValidationError, match="earlier one-choice"):  # not a choice question
        services.question_save(
            actor=communications_officer,
            consultation=c,
            spec=QuestionSpec(kind=QuestionKind.SHORT_TEXT, label="Then?", show_if=text),
        )
    # Renaming an option keeps the others' keys (ballots refer to keys).
    single = services.question_save(
        actor=communications_officer,
        consultation=c,
        spec=QuestionSpec(kind=QuestionKind.SINGLE, label="Route", choices=["Quay", "Hill"]),
    )
    single = services.question_save(
        actor=communications_officer,
        consultation=c,
        question=single,
        spec=QuestionSpec(kind=QuestionKind.SINGLE, label="Route", choices=["Hill", "Bridge"]),
    )
    assert single.choices == [{"key": "o2", "label": "Hill"}, {"key": "o3", "label": "Bridge"}]


def test_body_markdown_is_sanitised(communications_officer):
    c = make_consultation(
        communications_officer,
        open_now=False,
        body="# Plan\n\n**Bold** [map](https://example.org) [evil](javascript:alert(1))\n\n"
        '<img src=x onerror="alert(1)"><script>alert(2)</script>',
    )
    assert "<strong>Bold</strong>" in c.body_html
    assert 'href="https://example.org"' in c.body_html
    for bad in ("javascript:", "onerror", "<script", "<img"):
        assert bad not in c.body_html


def test_answers_are_validated_per_kind(consultation, voter):
    single, multiple, ranking, scale, yes_no, number, text = consultation.questions.order_by(
        "order"
    )
    cases = {
        single.key: (full_answers(consultation, **{single.key: "other"}), "other"),
        multiple.key: (full_answers(consultation, **{multiple.key: ["o1", "o2", "o3"]}), "most"),
        ranking.key: (full_answers(consultation, **{ranking.key: ["o1", "o1", "o3"]}), "Rank"),
        scale.key: (full_answers(consultation, **{scale.key: "9"}), "Choose among"),
        yes_no.key: (full_answers(consultation, **{yes_no.key: ""}), "needs an answer"),
        number.key: (full_answers(consultation, **{number.key: "99"}), "50 or less"),
        text.key: (full_answers(consultation, **{text.key: "x" * 2001}), "under 2000"),
    }
    for key, (raw, message) in cases.items():
        with pytest.raises(ValidationError) as caught:
            services.participation_submit(user=voter, consultation=consultation, raw=raw)
        assert list(caught.value.message_dict) == [key]
        assert message in caught.value.message_dict[key][0]
    assert not Participation.objects.exists() and not Ballot.objects.exists()
    raw = full_answers(
        consultation, **{single.key: "other", f"{single.key}_other": "Via the bridge"}
    )
    receipt = services.participation_submit(user=voter, consultation=consultation, raw=raw)
    ballot = Ballot.objects.get()
    assert ballot.receipt == receipt
    assert ballot.answers == {
        single.key: "other",
        multiple.key: ["o1", "o3"],
        ranking.key: ["o2", "o1", "o3"],
        scale.key: 4,
        yes_no.key: "yes",
        number.key: 3,
    }
    # The "other" text is apart from the ballot and waits for moderation.
    other = TextAnswer.objects.get()
    assert other.text == "Via the bridge" and other.status == "pending"
    assert other.participation is None


def test_conditional_question_is_asked_only_when_its_condition_holds(
    communications_officer, voter, hood_a
):
    c = make_consultation(communications_officer, open_now=False)
    parent = c.questions.get()
    why = services.question_save(
        actor=communications_officer,
        consultation=c,
        spec=QuestionSpec(
            kind=QuestionKind.SHORT_TEXT, label="Why not?", show_if=parent, show_if_value="no"
        ),
    )
    services.consultation_open_now(actor=communications_officer, consultation=c)
    with pytest.raises(ValidationError) as caught:
        services.participation_submit(user=voter, consultation=c, raw={parent.key: "no"})
    assert why.key in caught.value.message_dict
    # "yes": the conditional answer is not asked, and dropped if sent.
    services.participation_submit(
        user=voter, consultation=c, raw={parent.key: "yes", why.key: "ignored"}
    )
    assert not TextAnswer.objects.exists()


def test_secret_ballot_is_final_and_named_contribution_editable_until_close(
    communications_officer, voter, hood_a
):
    secret = make_consultation(communications_officer)
    key = secret.questions.get().key
    services.participation_submit(user=voter, consultation=secret, raw={key: "yes"})
    with pytest.raises(ValidationError, match="already taken part"):
        services.participation_submit(user=voter, consultation=secret, raw={key: "no"})
    named = make_consultation(communications_officer, ballot_mode="named", title="Named")
    nkey = named.questions.get().key
    assert services.participation_submit(user=voter, consultation=named, raw={nkey: "yes"}) is None
    services.participation_submit(user=voter, consultation=named, raw={nkey: "no"})
    participation = Participation.objects.get(consultation=named)
    assert participation.answers == {nkey: "no"}
    assert not Ballot.objects.filter(consultation=named).exists()
    services.consultation_close(actor=communications_officer, consultation=named)
    with pytest.raises(ValidationError, match="not open"):
        services.participation_submit(user=voter, consultation=named, raw={nkey: "yes"})


def test_not_open_consultations_refuse_answers(communications_officer, voter, hood_a):
    c = make_consultation(communications_officer, open_now=False)
    services.consultation_schedule(actor=communications_officer, consultation=c)
    with pytest.raises(ValidationError, match="not open"):
        services.participation_submit(user=voter, consultation=c, raw={})
