"""The consultation report's PDF: figures of a known data set, suppression, metadata, tags."""

import io
import re

import pypdf
import pytest

from community.storage import private_document_storage
from reports import services
from reports.models import Report, ReportKind, ReportStatus

from .conftest import PUBLISHED


def _reader(report: Report) -> pypdf.PdfReader:
    with private_document_storage().open(report.file, "rb") as handle:
        return pypdf.PdfReader(io.BytesIO(handle.read()))


def _text(reader: pypdf.PdfReader) -> str:
    text = "\n".join(page.extract_text() for page in reader.pages)
    # French groups thousands with a no-break space; compare with plain spaces.
    return re.sub(r"[\u00a0\u202f]", " ", text)


@pytest.fixture
def generated(known_consultation, communications_officer):
    report = services.report_request(
        actor=communications_officer,
        kind=ReportKind.CONSULTATION,
        subject_id=known_consultation.pk,
    )
    report = services.report_generate(report_id=report.pk)
    assert report is not None
    assert report.status == ReportStatus.DONE, report.reason
    return report


def test_consultation_report_holds_the_figures_in_french(generated):
    reader = _reader(generated)
    text = _text(reader)
    lines = text.splitlines()
    assert "Piétonnisation du quai" in text
    assert "Participants 45" in lines
    assert "Habitants éligibles 50" in lines
    assert "Participation 90,0 %" in lines  # 45 of 50, French decimal comma
    assert "Oui 34 75,6" in lines and "Non 11 24,4" in lines
    assert "Moyenne : 3,51 · Médiane : 4" in lines
    assert re.search(r"\d{1,2} [a-zéû]+ 20\d\d", text)  # dates written out in French
    # Neighbourhoods: participants, eligible residents, turnout; small cells suppressed.
    assert "Quartier du Port 23 28 82,1 %" in lines
    assert "Quartier des Jacobins 17 17 100,0 %" in lines
    assert "Lanvallay <5 3 —" in lines and "Léhon <5 2 —" in lines
    assert not any(line.startswith(("Lanvallay 3", "Léhon 2 ")) for line in lines)
    # By neighbourhood for the yes/no question: the Jacobins' 6 "no" would reveal the others.
    assert "Oui <5 <5 11 19" in lines
    assert "Non <5 <5 <5 <5" in lines
    # Published answers are quoted, the hidden one is not; themes are counted.
    for idea in PUBLISHED:
        assert idea in text
    assert "Un texte caché" not in text
    assert "mobilier 2" in lines
    assert "Méthodologie" in text and "page 2 / " in text
    assert generated.pages == len(reader.pages) >= 7


def test_consultation_report_is_tagged_with_title_and_language(generated):
    reader = _reader(generated)
    root = reader.trailer["/Root"]
    assert reader.metadata.title.startswith("Piétonnisation du quai")
    assert reader.metadata.author == "Dinan"
    assert root["/Lang"] == "fr"
    assert bool(root["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in root
    import hashlib

    with private_document_storage().open(generated.file, "rb") as handle:
        data = handle.read()
    assert generated.size == len(data)
    assert generated.sha256 == hashlib.sha256(data).hexdigest()


def test_a_number_question_is_reported_with_its_distribution(communications_officer, in_dinan):
    from civic.consultations import services as consultation_services
    from civic.consultations.models import QuestionKind
    from civic.consultations.services import QuestionSpec
    from tests.civic.consultations.conftest import citizen, make_consultation
    from tests.factories import NeighbourhoodFactory

    consultation = make_consultation(
        communications_officer,
        title="Trajets",
        questions=[
            QuestionSpec(kind=QuestionKind.NUMBER, label="Trajets", number_min=0, number_max=50)
        ],
    )
    question = consultation.questions.get()
    hood = NeighbourhoodFactory(name="Quartier du Port")
    for trips in (2, 2, 4, 4, 4, 9):
        consultation_services.participation_submit(
            user=citizen(hood), consultation=consultation, raw={question.key: str(trips)}
        )
    report = services.report_request(
        actor=communications_officer, kind=ReportKind.CONSULTATION, subject_id=consultation.pk
    )
    report = services.report_generate(report_id=report.pk)
    assert report.status == ReportStatus.DONE, report.reason
    lines = _text(_reader(report)).splitlines()
    assert "6 réponses" in lines
    assert "Moyenne : 4,17 · Médiane : 4" in lines
