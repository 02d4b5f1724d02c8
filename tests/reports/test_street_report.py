"""The street issues report for a period: figures of a known data set, the previous period,
the time to fix against each category's target, the overdue list."""

import datetime
import io
import re

import pypdf
import pytest

from civic.models import ReportEvent, Status
from community.storage import private_document_storage
from reports import services
from reports.models import ReportKind, ReportStatus
from tests.factories import CategoryFactory, IssueReportFactory, NeighbourhoodFactory

PARIS = datetime.timezone(datetime.timedelta(hours=1))
NOVEMBER = {"start": "2026-11-01", "end": "2026-11-30"}


def _at(month: int, day: int) -> datetime.datetime:
    return datetime.datetime(2026, month, day, 10, 0, tzinfo=PARIS)


def _report(category, created, *, fixed_after=None, status=Status.SUBMITTED, due=None, **kw):
    report = IssueReportFactory(
        category=category,
        created_at=created,
        status=Status.FIXED if fixed_after is not None else status,
        due_at=due or created + datetime.timedelta(days=category.response_days),
        **kw,
    )
    if fixed_after is not None:
        ReportEvent.objects.create(
            report=report,
            kind=ReportEvent.Kind.STATUS,
            from_status=Status.SUBMITTED,
            to_status=Status.FIXED,
            created_at=created + datetime.timedelta(days=fixed_after),
        )
    return report


@pytest.fixture
def street_data(in_dinan):
    port = NeighbourhoodFactory(name="Quartier du Port")
    pothole = CategoryFactory(
        code="pothole", name_fr="Nid-de-poule", name_en="Pothole", response_days=5
    )
    light = CategoryFactory(
        code="light", name_fr="Éclairage", name_en="Street light", response_days=10
    )
    # November: potholes fixed after 2, 4 and 8 days (target 5), one open and overdue.
    for days in (2, 4, 8):
        _report(pothole, _at(11, 3), fixed_after=days, neighbourhood=port)
    _report(pothole, _at(11, 5), address="Quai de la Rance", neighbourhood=port)
    # Two street lights still open, due after today.
    far = datetime.datetime(2099, 1, 1, tzinfo=PARIS)
    _report(light, _at(11, 20), due=far, address="Quai de la Rance")
    _report(light, _at(11, 29), due=far)
    # The previous period (2 to 31 October): three potholes; September is in neither.
    for day in (2, 10, 31):
        _report(pothole, _at(10, day), fixed_after=1)
    _report(pothole, _at(9, 15))


def test_street_report_holds_the_figures_of_the_period(street_data, elected_official):
    report = services.report_request(
        actor=elected_official, kind=ReportKind.STREET, parameters=NOVEMBER
    )
    assert report.title == "Signalements de voirie du 1 novembre 2026 au 30 novembre 2026"
    report = services.report_generate(report_id=report.pk)
    assert report.status == ReportStatus.DONE, report.reason
    with private_document_storage().open(report.file, "rb") as handle:
        reader = pypdf.PdfReader(io.BytesIO(handle.read()))
    text = re.sub(r"[\u00a0\u202f]", " ", "\n".join(p.extract_text() for p in reader.pages))
    lines = text.splitlines()
    assert "Signalements de la période 6" in lines
    assert "Évolution 100,0 %" in lines  # 6 against 3
    assert "Encore ouverts 3" in lines and "Résolus ou clos 3" in lines
    assert "En retard 1" in lines
    # Category, reports, previous period, open, fixed, median days, target, within target.
    assert "poule 4 3 1 3 4,0 5 2" in lines  # "Nid-de-poule", wrapped in its cell
    assert "Éclairage 2 0 2 0 — 10 0" in lines
    assert "Quartier du Port 4" in lines and "Quai de la Rance 2" in lines
    overdue = [line for line in lines if line.endswith("Nid-de-poule 10 novembre 2026")]
    assert len(overdue) == 1 and "Quai de la Rance" in overdue[0]
    assert reader.trailer["/Root"]["/Lang"] == "fr"
    assert "/StructTreeRoot" in reader.trailer["/Root"]


def test_street_report_refuses_a_wrong_period(street_data, council_admin):
    from django.core.exceptions import ValidationError

    for parameters in (
        {"start": "2026-11-30", "end": "2026-11-01"},
        {"start": "2025-01-01", "end": "2026-11-30"},
        {"start": "yesterday"},
    ):
        with pytest.raises(ValidationError):
            services.report_request(
                actor=council_admin, kind=ReportKind.STREET, parameters=parameters
            )


def test_street_figures_as_csv(street_data, council_admin, dinan):
    from tests.conftest import CouncilClient

    report = services.report_request(
        actor=council_admin, kind=ReportKind.STREET, parameters=NOVEMBER
    )
    client = CouncilClient(dinan).login_as(council_admin)
    response = client.get(f"/staff/reports/{report.pk}/figures.csv")
    assert response.status_code == 200
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert lines[0].startswith("category,reports,previous_period,open,fixed")
    assert "Pothole,4,3,1,3,4.0,5,2" in lines
    assert "Street light,2,0,2,0,,10,0" in lines
