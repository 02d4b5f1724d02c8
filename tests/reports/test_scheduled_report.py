"""The monthly street issues report: generated once per period however often the schedule runs
(also from two connections at once), then each elected official gets one email, in their
language and the council's name, with a link to the report and no attachment."""

import datetime
import threading
import uuid

import pytest
from django.core import mail
from django.db import connection
from django_tenants.utils import tenant_context

from community.storage import private_document_storage
from reports import schedule, tasks
from reports.models import Report, ReportKind, ReportStatus, ScheduledReport
from tenants.models import Council
from tests.conftest import make_user
from tests.emails import assert_sent_by_council


def _check_emails(report: Report, officials: dict[str, str], council: Council) -> None:
    """One email per official, in their language, in the council's name, with the link."""
    assert sorted(m.to[0] for m in mail.outbox) == sorted(officials)
    link = f"{council.base_url()}/staff/reports/#report-{report.pk}"
    for message in mail.outbox:
        language = officials[message.to[0]]
        assert link in message.body
        assert message.attachments == []
        assert_sent_by_council(message, council)
        if language == "fr":
            assert "Le rapport mensuel des signalements de voirie est prêt" in message.body
        else:
            assert "The monthly street issues report is ready" in message.body


def test_the_schedule_run_twice_makes_one_report_and_one_email_per_official(
    in_dinan, dinan, elected_official, django_capture_on_commit_callbacks
):
    mayor = make_user("maire@dinan.example", "elected_official", language="en")
    officials = {elected_official.email: "fr", mayor.email: "en"}
    elected_official.language = "fr"
    elected_official.save(update_fields=["language"])
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            scheduled = schedule.monthly_street_report_ensure(today=datetime.date(2026, 12, 1))
    report = Report.objects.get(kind=ReportKind.STREET)
    assert ScheduledReport.objects.get() == scheduled and scheduled.report == report
    assert scheduled.period == "2026-11"
    assert report.parameters == {"start": "2026-11-01", "end": "2026-11-30"}
    assert report.status == ReportStatus.DONE, report.reason
    assert private_document_storage().exists(report.file)
    _check_emails(report, officials, dinan)
    # The re-driver finds nothing left to tell.
    tasks.redrive()
    assert len(mail.outbox) == 2


def test_the_beat_task_fans_out_and_runs_once_per_council_and_period(
    in_dinan, dinan, elected_official, django_capture_on_commit_callbacks, settings
):
    from tenants.fanout import councils_run

    assert settings.CELERY_TASK_ROUTES["reports.tasks.monthly_street_report"]["priority"] == 9
    assert settings.CELERY_BEAT_SCHEDULE["reports-monthly-street"]["schedule"].day_of_month == {1}
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            outcomes = councils_run("reports.tasks.monthly_street_report", ["dinan"])
        assert outcomes == {"dinan": "ok"}
        connection.set_tenant(dinan)
    assert Report.objects.filter(kind=ReportKind.STREET).count() == 1
    assert [m.to for m in mail.outbox] == [[elected_official.email]]


def test_officials_are_told_once_the_report_is_done_not_before(
    in_dinan, dinan, elected_official, django_capture_on_commit_callbacks
):
    from reports import services

    scheduled = schedule.monthly_street_report_ensure(today=datetime.date(2026, 12, 3))
    assert schedule.scheduled_report_notify(scheduled_id=scheduled.pk) == 0  # still queued
    assert mail.outbox == []
    services.report_generate(report_id=scheduled.report_id)
    assert len(mail.outbox) == 1 and "#report-" in mail.outbox[0].body
    assert schedule.scheduled_report_notify(scheduled_id=scheduled.pk) == 0


@pytest.mark.live
def test_two_connections_at_once_make_one_report_and_one_email_per_official(
    django_db_setup, committed_db
):
    council = Council.objects.get(slug="dinan")
    tag = uuid.uuid4().hex[:8]
    today = datetime.date(2031, 3, 1)  # a period no other test uses
    with tenant_context(council):
        officials = [
            make_user(f"official-{tag}-{i}@example.org", "elected_official") for i in range(2)
        ]
    mail.outbox = []
    barrier = threading.Barrier(2)
    results: list = [None, None]

    def run(index: int) -> None:
        try:
            connection.set_tenant(council)
            barrier.wait()
            results[index] = schedule.monthly_street_report_ensure(today=today).pk
        except Exception as error:  # reported to the test
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        with tenant_context(council):
            reports = list(Report.objects.filter(parameters__start="2031-02-01"))
            scheduled = list(ScheduledReport.objects.filter(period="2031-02"))
            assert results[0] == results[1] == scheduled[0].pk, results
            assert len(reports) == 1 and len(scheduled) == 1
            assert reports[0].status == ReportStatus.DONE, reports[0].reason
            mine = [m for m in mail.outbox if m.to[0].startswith(f"official-{tag}")]
            assert sorted(m.to[0] for m in mine) == sorted(u.email for u in officials)
    finally:
        with tenant_context(council):
            storage = private_document_storage()
            for report in Report.objects.filter(parameters__start="2031-02-01"):
                if report.file and storage.exists(report.file):
                    storage.delete(report.file)
                report.delete()
            for user in officials:
                user.delete()
        connection.set_schema_to_public()
