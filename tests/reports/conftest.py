"""A known consultation for the reports: 45 ballots over four neighbourhoods (two of them with
fewer than 5), a yes/no question, a scale, a free-text question with moderated answers."""

import pytest

from civic.consultations import services
from civic.consultations.models import QuestionKind, TextAnswer, TextStatus
from civic.consultations.services import QuestionSpec
from tests.civic.consultations.conftest import citizen, make_consultation
from tests.factories import NeighbourhoodFactory

# neighbourhood → (yes, no); scale answers are 4 for "yes" voters and 2 for "no" voters.
VOTES = {
    "Quartier du Port": (19, 4),
    "Quartier des Jacobins": (11, 6),
    "Lanvallay": (3, 0),
    "Léhon": (1, 1),
}
PUBLISHED = ["Plus de bancs sur le quai", "Des arceaux pour les vélos"]


@pytest.fixture(autouse=True)
def _remove_report_files():
    """The rows are rolled back after each test; the PDFs they wrote are removed here."""
    yield
    from django_tenants.utils import schema_context

    from community.storage import private_document_storage

    with schema_context("dinan"):
        storage = private_document_storage()
        if storage.exists("reports"):
            for name in storage.listdir("reports")[1]:
                storage.delete(f"reports/{name}")


@pytest.fixture
def known_consultation(communications_officer, in_dinan):
    c = make_consultation(
        communications_officer,
        title="Piétonnisation du quai",
        questions=[
            QuestionSpec(kind=QuestionKind.YES_NO, label="Fermer le quai aux voitures ?"),
            QuestionSpec(
                kind=QuestionKind.SCALE,
                label="Sécurité ressentie",
                scale_min=1,
                scale_max=5,
                min_label="Faible",
                max_label="Forte",
            ),
            QuestionSpec(kind=QuestionKind.LONG_TEXT, label="Vos idées", required=False),
        ],
    )
    yes_no, scale, text = c.questions.order_by("order")
    hoods = {name: NeighbourhoodFactory(name=name) for name in VOTES}
    ideas = iter([*PUBLISHED, "Un texte caché"])
    for name, (yes, no) in VOTES.items():
        for answer in ["yes"] * yes + ["no"] * no:
            services.participation_submit(
                user=citizen(hoods[name]),
                consultation=c,
                raw={
                    yes_no.key: answer,
                    scale.key: "4" if answer == "yes" else "2",
                    text.key: next(ideas, ""),
                },
            )
    # Five verified residents of the port who did not take part: 50 eligible in all.
    for _ in range(5):
        citizen(hoods["Quartier du Port"])
    for answer in TextAnswer.objects.filter(question=text):
        if answer.text == "Un texte caché":
            services.text_answer_moderate(
                actor=communications_officer,
                answer=answer,
                status=TextStatus.HIDDEN,
                reason="off topic",
            )
        else:
            services.text_answer_moderate(
                actor=communications_officer,
                answer=answer,
                status=TextStatus.PUBLISHED,
                themes=["mobilier"],
            )
    services.consultation_close(actor=communications_officer, consultation=c)
    c.refresh_from_db()
    return c
