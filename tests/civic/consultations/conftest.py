"""Fixtures of consultations: neighbourhoods, verified residents, and a consultation with one
question of each kind, created through the services as a communications officer would."""

import datetime
import itertools

import pytest
from django.utils import timezone

from civic.consultations import services
from civic.consultations.models import Consultation, ConsultationQuestion, QuestionKind
from civic.consultations.services import QuestionSpec
from community.models import CommunitySettings, Status
from tests.factories import NeighbourhoodFactory, ResidenceFactory, UserFactory

_emails = itertools.count()


@pytest.fixture
def hood_a(in_dinan):
    return NeighbourhoodFactory(name="Quartier du Port")


@pytest.fixture
def hood_b(in_dinan):
    return NeighbourhoodFactory(name="Quartier des Jacobins")


def citizen(neighbourhood=None, *, verified=True, **fields):
    """A resident of Dinan with a residence (verified unless said otherwise)."""
    fields.setdefault("email", f"citizen{next(_emails)}@example.org")
    user = UserFactory(**fields)
    ResidenceFactory(
        user=user,
        neighbourhood=neighbourhood,
        status=Status.VERIFIED if verified else Status.UNVERIFIED,
        verified_at=timezone.now() if verified else None,
    )
    return user


@pytest.fixture
def voter(hood_a):
    return citizen(hood_a, full_name="Véra Votante")


@pytest.fixture
def unverified(hood_a):
    return citizen(hood_a, verified=False, full_name="Ulysse Unverified")


def open_vote_to_all(required: bool = False) -> None:
    settings = CommunitySettings.load()
    settings.require_vote = required
    settings.save()


def make_consultation(actor, *, open_now=True, questions=None, **fields) -> Consultation:
    now = timezone.now()
    fields.setdefault("title", "Cycle lane on the quay")
    fields.setdefault("opens_at", now + datetime.timedelta(days=1))
    fields.setdefault("closes_at", now + datetime.timedelta(days=15))
    neighbourhoods = fields.pop("neighbourhoods", ())
    consultation = services.consultation_create(
        actor=actor, neighbourhoods=neighbourhoods, **fields
    )
    for spec in questions or [QuestionSpec(kind=QuestionKind.YES_NO, label="Do you want it?")]:
        services.question_save(actor=actor, consultation=consultation, spec=spec)
    if open_now:
        services.consultation_open_now(actor=actor, consultation=consultation)
    consultation.refresh_from_db()
    return consultation


def every_kind() -> list[QuestionSpec]:
    return [
        QuestionSpec(kind=QuestionKind.SINGLE, label="Which route?", choices=["Quay", "Hill"],
                     allow_other=True),
        QuestionSpec(kind=QuestionKind.MULTIPLE, label="Which days?",
                     choices=["Mon", "Tue", "Wed", "Thu"], min_choices=1, max_choices=2),
        QuestionSpec(kind=QuestionKind.RANKING, label="Rank the projects",
                     choices=["Park", "Library", "Pool"]),
        QuestionSpec(kind=QuestionKind.SCALE, label="How safe do you feel?", scale_min=1,
                     scale_max=5, min_label="Not at all", max_label="Completely"),
        QuestionSpec(kind=QuestionKind.YES_NO, label="Should cars be banned?"),
        QuestionSpec(kind=QuestionKind.NUMBER, label="How many trips a week?", number_min=0,
                     number_max=50, required=False),
        QuestionSpec(kind=QuestionKind.LONG_TEXT, label="Anything else?", required=False),
    ]  # fmt: skip


def q(consultation: Consultation, label: str) -> ConsultationQuestion:
    return consultation.questions.get(label=label)


def full_answers(c: Consultation, **over) -> dict:
    """A valid set of answers to the `every_kind` questions."""
    single, multiple, ranking, scale, yes_no, number, text = c.questions.order_by("order")
    answers = {
        single.key: "o1",
        multiple.key: ["o1", "o3"],
        ranking.key: ["o2", "o1", "o3"],
        scale.key: "4",
        yes_no.key: "yes",
        number.key: "3",
        text.key: "",
    }
    answers.update(over)
    return answers


@pytest.fixture
def consultation(communications_officer, hood_a):
    return make_consultation(communications_officer, questions=every_kind())
