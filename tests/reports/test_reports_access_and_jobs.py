"""Reports as jobs: who may request, list, follow and download them (and in which council),
versions, failure with a reason, and a retried task that writes one file."""

import os

import pytest
from django.core.exceptions import PermissionDenied
from django.test import override_settings
from django_tenants.utils import schema_context

from civic.consultations.models import Consultation
from community.storage import private_document_storage
from core.models import AuditEntry
from reports import services, tasks
from reports.models import Report, ReportKind, ReportStatus
from tests.conftest import CouncilClient, make_user


@pytest.fixture
def done_report(known_consultation, communications_officer):
    report = services.report_request(
        actor=communications_officer,
        kind=ReportKind.CONSULTATION,
        subject_id=known_consultation.pk,
    )
    return services.report_generate(report_id=report.pk)


def _report_files(report: Report) -> list[str]:
    """The files named after this report (a second save of the name would add a suffix)."""
    stem = os.path.basename(services.file_name(report)).removesuffix(".pdf")
    _dirs, files = private_document_storage().listdir("reports")
    return [f for f in files if f.startswith(stem)]


def test_request_is_limited_to_report_roles_and_audited(
    known_consultation, communications_officer, agent, moderator, resident
):
    for user in (agent, moderator, resident):
        with pytest.raises(PermissionDenied):
            services.report_request(
                actor=user, kind=ReportKind.CONSULTATION, subject_id=known_consultation.pk
            )
    report = services.report_request(
        actor=communications_officer,
        kind=ReportKind.CONSULTATION,
        subject_id=known_consultation.pk,
    )
    assert report.status == ReportStatus.QUEUED and report.version == 1
    entry = AuditEntry.objects.get(action="reports.report_request")
    assert entry.target_id == str(report.pk) and entry.data["version"] == 1


def test_regenerating_makes_a_new_version_and_keeps_the_old_one(done_report, council_admin):
    again = services.report_request(
        actor=council_admin, kind=ReportKind.CONSULTATION, subject_id=done_report.subject_id
    )
    again = services.report_generate(report_id=again.pk)
    assert again.version == 2 and again.status == ReportStatus.DONE
    first = Report.objects.get(pk=done_report.pk)
    assert first.status == ReportStatus.DONE and first.file != again.file
    storage = private_document_storage()
    assert storage.exists(first.file) and storage.exists(again.file)


def test_retried_task_does_not_write_a_second_file(done_report):
    checksum = done_report.sha256
    # The broker redelivers the task after it finished: nothing to do.
    assert tasks.generate_report(done_report.pk) == ReportStatus.DONE
    # The PDF and the CSV of its figures, once each.
    written = sorted(os.path.basename(name) for name in (done_report.file, done_report.csv_file))
    assert sorted(_report_files(done_report)) == written
    # The worker died after writing the file but before marking the report done: the
    # redelivered task claims it again and writes over the same name.
    Report.objects.filter(pk=done_report.pk).update(status=ReportStatus.RUNNING, progress=80)
    assert tasks.generate_report(done_report.pk) == ReportStatus.DONE
    report = Report.objects.get(pk=done_report.pk)
    assert report.attempts == 2 and report.progress == 100
    assert report.file == done_report.file
    assert report.csv_file == done_report.csv_file
    assert sorted(_report_files(report)) == written
    assert len(report.sha256) == 64 and checksum


def test_failing_generation_ends_failed_with_a_reason(known_consultation, communications_officer):
    report = services.report_request(
        actor=communications_officer,
        kind=ReportKind.CONSULTATION,
        subject_id=known_consultation.pk,
    )
    Consultation.objects.filter(pk=known_consultation.pk).delete()
    assert tasks.generate_report(report.pk) == ReportStatus.FAILED
    report.refresh_from_db()
    assert report.status == ReportStatus.FAILED
    assert report.reason == "La consultation n\u2019existe plus."
    assert report.file == "" and report.finished_at is not None
    # A retry of a failed report does not run again.
    assert tasks.generate_report(report.pk) == ReportStatus.FAILED
    assert Report.objects.get(pk=report.pk).attempts == 1


# --- pages, progress and file, by persona --------------------------------------------------


def _urls(report: Report) -> dict[str, str]:
    return {
        "list": "/staff/reports/",
        "progress": f"/staff/reports/{report.pk}/progress.json",
        "file": f"/staff/reports/{report.pk}/file/",
    }


@pytest.mark.parametrize("persona", ["council_admin", "communications_officer", "elected_official"])
def test_allowed_roles_get_the_list_progress_and_file(persona, done_report, dinan, request):
    client = CouncilClient(dinan).login_as(request.getfixturevalue(persona))
    urls = _urls(done_report)
    page = client.get(urls["list"])
    assert page.status_code == 200
    assert "Piétonnisation du quai" in page.content.decode()
    assert f'href="{urls["file"]}"' in page.content.decode()
    progress = client.get(urls["progress"])
    assert progress.status_code == 200
    assert progress.json() == {
        "id": done_report.pk,
        "status": "done",
        "status_label": "Done",
        "progress": 100,
        "reason": "",
        "file": urls["file"],
    }
    pdf = client.get(urls["file"])
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF-")
    assert pdf["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize("persona", ["resident", "agent", "moderator"])
def test_other_people_get_403(persona, done_report, dinan, request):
    client = CouncilClient(dinan).login_as(request.getfixturevalue(persona))
    for url in _urls(done_report).values():
        assert client.get(url).status_code == 403, url
    assert client.post("/staff/reports/request/", {"kind": "consultation"}).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(done_report, dinan):
    client = CouncilClient(dinan)
    for url in _urls(done_report).values():
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response["Location"], url


def test_another_councils_staff_get_404(done_report, saint_malo):
    with schema_context(saint_malo.schema_name):
        their_admin = make_user("admin@saint-malo.example", "council_admin")
    client = CouncilClient(saint_malo).login_as(their_admin)
    urls = _urls(done_report)
    page = client.get(urls["list"])
    assert page.status_code == 200 and "Piétonnisation du quai" not in page.content.decode()
    assert client.get(urls["progress"]).status_code == 404
    assert client.get(urls["file"]).status_code == 404


def test_staff_request_a_report_from_the_portal(known_consultation, elected_official, dinan):
    client = CouncilClient(dinan).login_as(elected_official)
    assert f'value="{known_consultation.pk}"' in client.get("/staff/reports/").content.decode()
    response = client.post(
        "/staff/reports/request/", {"kind": "consultation", "subject": known_consultation.pk}
    )
    assert response.status_code == 302
    report = Report.objects.get()
    assert report.requested_by == elected_official and report.status == ReportStatus.QUEUED
    page = client.get("/staff/reports/").content.decode()
    assert f'data-report-progress="/staff/reports/{report.pk}/progress.json"' in page
    assert client.get(f"/staff/reports/{report.pk}/progress.json").json()["progress"] == 0
    assert client.get(f"/staff/reports/{report.pk}/file/").status_code == 404  # not ready


def test_reports_section_is_in_the_portal_for_the_roles_allowed(elected_official, agent, dinan):
    assert (
        "/staff/reports/"
        in CouncilClient(dinan).login_as(elected_official).get("/staff/").content.decode()
    )
    assert (
        "/staff/reports/"
        not in CouncilClient(dinan).login_as(agent).get("/staff/").content.decode()
    )


@override_settings(PRIVATE_MEDIA_X_ACCEL_PREFIX="/protected-private-media")
def test_file_is_handed_to_nginx_behind_it(done_report, council_admin, dinan):
    response = CouncilClient(dinan).login_as(council_admin).get(_urls(done_report)["file"])
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/protected-private-media/dinan/{done_report.file}"


def test_consultation_figures_as_csv_keep_small_cells_suppressed(done_report, dinan, request):
    client = CouncilClient(dinan).login_as(request.getfixturevalue("elected_official"))
    response = client.get(f"/staff/reports/{done_report.pk}/figures.csv")
    assert response.status_code == 200
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert lines[0].endswith("Lanvallay,Léhon,Quartier des Jacobins,Quartier du Port")
    # Written with the PDF, in its language (the council's: French).
    assert "Fermer le quai aux voitures ?,Oui,34,75.6,,<5,<5,11,19" in lines
    assert "Fermer le quai aux voitures ?,Non,11,24.4,,<5,<5,<5,<5" in lines
    assert (
        CouncilClient(dinan)
        .login_as(request.getfixturevalue("agent"))
        .get(f"/staff/reports/{done_report.pk}/figures.csv")
        .status_code
        == 403
    )
