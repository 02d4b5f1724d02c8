"""Above REPORTS_APPENDIX_SEPARATE_ABOVE published free-text answers, the consultation report's
appendix is a PDF of its own beside the report (which says where to find it), served to the
same roles; at or below it, the appendix stays in the report."""

import io
import re

import pypdf
import pytest
from django_tenants.utils import schema_context

from community.storage import private_document_storage
from reports import services
from reports.models import ReportKind, ReportStatus
from tests.conftest import CouncilClient, make_user

from .conftest import PUBLISHED


def _lines(data: bytes) -> tuple[pypdf.PdfReader, list[str]]:
    reader = pypdf.PdfReader(io.BytesIO(data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return reader, re.sub(r"[\u00a0\u202f]", " ", text).splitlines()


def _generate(consultation, actor):
    report = services.report_request(
        actor=actor, kind=ReportKind.CONSULTATION, subject_id=consultation.pk
    )
    report = services.report_generate(report_id=report.pk)
    assert report.status == ReportStatus.DONE, report.reason
    if report.appendix_status:
        # The appendix follows in its own task, once the report is done.
        assert report.appendix_status == ReportStatus.QUEUED and report.appendix_file == ""
        report = tasks_run_appendix(report)
    return report


def tasks_run_appendix(report):
    from reports import tasks

    assert tasks.generate_appendix(report.pk) == ReportStatus.DONE
    report.refresh_from_db()
    # Run again (a redelivered task): nothing changes.
    name = report.appendix_file
    assert tasks.generate_appendix(report.pk) == ReportStatus.DONE
    report.refresh_from_db()
    assert report.appendix_file == name
    return report


def _read(name: str) -> bytes:
    with private_document_storage().open(name, "rb") as handle:
        return handle.read()


def test_at_the_threshold_the_appendix_stays_in_the_report(
    known_consultation, communications_officer, settings
):
    settings.REPORTS_APPENDIX_SEPARATE_ABOVE = 2  # the known consultation has 2 published
    report = _generate(known_consultation, communications_officer)
    assert report.appendix_file == "" and report.appendix_pages is None
    assert report.appendix_status == ""
    _reader, lines = _lines(_read(report.file))
    assert "Annexe : toutes les réponses écrites publiées" in lines
    assert "Annexe : dans un document séparé" not in "\n".join(lines)
    # Each published answer is quoted in its question's section and again in the appendix.
    text = "\n".join(lines)
    for idea in PUBLISHED:
        assert text.count(idea) == 2


def test_above_the_threshold_the_appendix_is_a_document_of_its_own(
    known_consultation, communications_officer, settings
):
    settings.REPORTS_APPENDIX_SEPARATE_ABOVE = 1
    report = _generate(known_consultation, communications_officer)
    assert report.appendix_file and report.appendix_file != report.file
    _reader, lines = _lines(_read(report.file))
    text = " ".join(lines)
    assert "Annexe : dans un document séparé" in lines
    name = f"report-consultation-{known_consultation.pk}-v1-appendix.pdf"
    assert "Les 2 réponses écrites publiées sont dans un document séparé" in text
    assert name in text.replace(" ", "").replace("“", "").replace("”", "") or name in text
    # The answers are quoted once in the report (their question), not in an appendix there.
    for idea in PUBLISHED:
        assert text.count(idea) == 1
    data = _read(report.appendix_file)
    appendix, appendix_lines = _lines(data)
    assert report.appendix_pages == len(appendix.pages) and report.appendix_size == len(data)
    assert appendix.trailer["/Root"]["/Lang"] == "fr"
    assert "/StructTreeRoot" in appendix.trailer["/Root"]
    assert appendix.metadata.title.startswith("Piétonnisation du quai")
    for idea in PUBLISHED:
        assert idea in appendix_lines
    assert "Un texte caché" not in "\n".join(appendix_lines)
    assert "page 2 / " in "\n".join(appendix_lines)


@pytest.fixture
def with_appendix(known_consultation, communications_officer, settings):
    settings.REPORTS_APPENDIX_SEPARATE_ABOVE = 1
    return _generate(known_consultation, communications_officer)


@pytest.mark.parametrize("persona", ["council_admin", "communications_officer", "elected_official"])
def test_report_roles_download_the_appendix(persona, with_appendix, dinan, request):
    client = CouncilClient(dinan).login_as(request.getfixturevalue(persona))
    url = f"/staff/reports/{with_appendix.pk}/appendix/"
    assert f'href="{url}"' in client.get("/staff/reports/").content.decode()
    response = client.get(url)
    assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content) == _read(with_appendix.appendix_file)
    api = client.get(f"/api/v1/reports/{with_appendix.pk}/").json()
    assert api["appendix_url"] == url


@pytest.mark.parametrize("persona", ["resident", "agent", "moderator"])
def test_other_people_get_403_on_the_appendix(persona, with_appendix, dinan, request):
    client = CouncilClient(dinan).login_as(request.getfixturevalue(persona))
    assert client.get(f"/staff/reports/{with_appendix.pk}/appendix/").status_code == 403


def test_another_councils_staff_get_404_on_the_appendix(with_appendix, saint_malo):
    with schema_context(saint_malo.schema_name):
        theirs = make_user("admin@saint-malo.example", "council_admin")
    client = CouncilClient(saint_malo).login_as(theirs)
    assert client.get(f"/staff/reports/{with_appendix.pk}/appendix/").status_code == 404


def test_a_report_without_a_separate_appendix_has_none_to_serve(
    known_consultation, council_admin, dinan, settings
):
    settings.REPORTS_APPENDIX_SEPARATE_ABOVE = 200
    report = _generate(known_consultation, council_admin)
    client = CouncilClient(dinan).login_as(council_admin)
    assert client.get(f"/staff/reports/{report.pk}/appendix/").status_code == 404
    assert client.get(f"/api/v1/reports/{report.pk}/").json()["appendix_url"] is None


def test_the_appendix_is_enqueued_once_the_report_is_done(
    known_consultation, communications_officer, settings, django_capture_on_commit_callbacks
):
    settings.REPORTS_APPENDIX_SEPARATE_ABOVE = 1
    report = services.report_request(
        actor=communications_officer,
        kind=ReportKind.CONSULTATION,
        subject_id=known_consultation.pk,
    )
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.report_generate(report_id=report.pk)
    assert len(callbacks) == 1  # the appendix's task, run by the eager worker
    report.refresh_from_db()
    assert report.status == ReportStatus.DONE and report.appendix_status == ReportStatus.DONE
    assert private_document_storage().exists(report.appendix_file)
