"""The CSV of a report's figures is written with its PDF: data changed after generation do not
change it (a report not generated yet still gives the figures as they are now)."""

from civic.consultations.models import Ballot
from community.storage import private_document_storage
from reports import selectors, services
from reports.models import ReportKind, ReportStatus
from tests.conftest import CouncilClient
from tests.factories import CategoryFactory, IssueReportFactory

from .test_street_report import NOVEMBER, _at, street_data  # noqa: F401  (the same data set)


def _csv(client, report) -> list[str]:
    response = client.get(f"/staff/reports/{report.pk}/figures.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return b"".join(response.streaming_content).decode().splitlines()


def test_street_csv_keeps_the_figures_of_the_pdf(street_data, council_admin, dinan):  # noqa: F811
    report = services.report_request(
        actor=council_admin, kind=ReportKind.STREET, parameters=NOVEMBER
    )
    report = services.report_generate(report_id=report.pk)
    assert report.status == ReportStatus.DONE and report.csv_file.endswith(".csv")
    client = CouncilClient(dinan).login_as(council_admin)
    before = _csv(client, report)
    # Written in the report's language, like the PDF (the council's: French).
    assert "Nid-de-poule,4,3,1,3,4.0,5,2" in before
    with private_document_storage().open(report.csv_file, "rb") as handle:
        assert handle.read().decode().splitlines() == before
    # Two reports of a new category in November, after the PDF was made.
    bench = CategoryFactory(code="bench", name_fr="Banc", name_en="Bench", response_days=3)
    for _ in range(2):
        IssueReportFactory(category=bench, created_at=_at(11, 15))
    assert _csv(client, report) == before
    # A new version has the new figures, live while queued and frozen once generated.
    again = services.report_request(
        actor=council_admin, kind=ReportKind.STREET, parameters=NOVEMBER
    )
    assert "Bench,2,0,2,0,,3,0" in _csv(client, again)
    again = services.report_generate(report_id=again.pk)
    assert again.csv_file != report.csv_file
    assert "Banc,2,0,2,0,,3,0" in _csv(client, again)
    assert _csv(client, report) == before


def test_consultation_csv_keeps_the_figures_of_the_pdf(
    known_consultation, communications_officer, dinan
):
    report = services.report_request(
        actor=communications_officer,
        kind=ReportKind.CONSULTATION,
        subject_id=known_consultation.pk,
    )
    report = services.report_generate(report_id=report.pk)
    client = CouncilClient(dinan).login_as(communications_officer)
    before = _csv(client, report)
    assert "Fermer le quai aux voitures ?,Oui,34,75.6,,<5,<5,11,19" in before
    # Five ballots are removed after the report was made: the live figures change, the
    # report's CSV does not.
    doomed = Ballot.objects.filter(consultation=known_consultation).values_list("pk")[:5]
    Ballot.objects.filter(pk__in=doomed).delete()
    _header, live = selectors.report_figures(report)
    assert sum(row[2] for row in live if row[0] == "Fermer le quai aux voitures ?") == 40
    assert _csv(client, report) == before
