"""/api/v1/reports/: list, start, progress; by persona and across councils."""

import pytest
from django_tenants.utils import schema_context

from reports.models import Report, ReportStatus
from tests.conftest import CouncilClient, make_user


def test_allowed_roles_start_a_report_and_read_its_progress(
    known_consultation, elected_official, dinan
):
    client = CouncilClient(dinan).login_as(elected_official)
    created = client.post(
        "/api/v1/reports/",
        {"kind": "consultation", "subject_id": known_consultation.pk},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == "queued" and body["version"] == 1 and body["file_url"] is None
    listing = client.get("/api/v1/reports/").json()
    assert [r["id"] for r in listing["results"]] == [body["id"]]
    progress = client.get(f"/api/v1/reports/{body['id']}/progress/")
    assert progress.json() == {"id": body["id"], "status": "queued", "progress": 0, "reason": ""}
    Report.objects.filter(pk=body["id"]).update(status=ReportStatus.RUNNING, progress=40)
    assert client.get(f"/api/v1/reports/{body['id']}/progress/").json()["progress"] == 40


def test_a_wrong_request_is_explained(council_admin, dinan):
    client = CouncilClient(dinan).login_as(council_admin)
    response = client.post(
        "/api/v1/reports/",
        {"kind": "street", "start": "2026-11-30", "end": "2026-11-01"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert (
        client.post(
            "/api/v1/reports/", {"kind": "nonsense"}, content_type="application/json"
        ).status_code
        == 400
    )


@pytest.mark.parametrize("persona", ["resident", "agent", "moderator"])
def test_other_people_get_403(persona, known_consultation, dinan, request, council_admin):
    from reports import services

    report = services.report_request(
        actor=council_admin, kind="consultation", subject_id=known_consultation.pk
    )
    client = CouncilClient(dinan).login_as(request.getfixturevalue(persona))
    assert client.get("/api/v1/reports/").status_code == 403
    assert client.get(f"/api/v1/reports/{report.pk}/progress/").status_code == 403
    assert (
        client.post(
            "/api/v1/reports/",
            {"kind": "consultation", "subject_id": known_consultation.pk},
            content_type="application/json",
        ).status_code
        == 403
    )


def test_another_councils_staff_get_404(known_consultation, council_admin, saint_malo):
    from reports import services

    report = services.report_request(
        actor=council_admin, kind="consultation", subject_id=known_consultation.pk
    )
    with schema_context(saint_malo.schema_name):
        theirs = make_user("admin@saint-malo.example", "council_admin")
    client = CouncilClient(saint_malo).login_as(theirs)
    assert client.get("/api/v1/reports/").json()["results"] == []
    assert client.get(f"/api/v1/reports/{report.pk}/").status_code == 404
    assert client.get(f"/api/v1/reports/{report.pk}/progress/").status_code == 404
