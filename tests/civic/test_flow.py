"""The whole flow through the web: report with photos → duplicate suggestion → triage → public
timeline → follower email → fixed → reopened."""

import re

from django.core import mail

from civic.models import IssueReport, ReportFollower, Status
from tests.conftest import CouncilClient

from .conftest import DINAN, jpeg_with_gps, offset, png


def test_report_triage_follow_fix_reopen(
    dinan, resident, neighbour, pothole, roads_agent, django_capture_on_commit_callbacks
):
    resident.language = "en"  # emails go out in the recipient's language
    resident.save()
    alice = CouncilClient(dinan).login_as(resident)
    # 1. Alice reports a pothole with two photos.
    response = alice.get("/reports/new/", {"category": "pothole", "lat": DINAN[0], "lon": DINAN[1]})
    assert response.status_code == 200 and "Depth (cm)" in response.content.decode()
    response = alice.post(
        "/reports/new/",
        {
            "category": "pothole",
            "latitude": DINAN[0],
            "longitude": DINAN[1],
            "title": "Deep pothole",
            "description": "In front of the bakery",
            "q_depth": "9",
            "q_lane": "left",
            "show_name": "on",
            "photos": [jpeg_with_gps(), png()],
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    report = IssueReport.objects.get()
    assert response["Location"] == f"/reports/{report.pk}/"
    assert report.photos.count() == 2 and report.show_name

    # 2. Bob, 20 m away, is offered Alice's report instead of creating a duplicate.
    bob = CouncilClient(dinan).login_as(neighbour)
    near = offset(*DINAN, metres_east=20)
    nearby = bob.get(
        "/reports/nearby.json", {"category": "pothole", "lat": near[0], "lon": near[1]}
    ).json()
    assert [r["id"] for r in nearby["reports"]] == [report.pk]
    response = bob.post(
        "/reports/new/",
        {
            "category": "pothole",
            "latitude": near[0],
            "longitude": near[1],
            "title": "Hole",
            "description": "Big hole",
            "q_depth": "5",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Already reported nearby" in page and f"/reports/{report.pk}/follow/" in page
    assert IssueReport.objects.count() == 1
    bob.post(f"/reports/{report.pk}/follow/")
    assert ReportFollower.objects.filter(report=report, user=neighbour).exists()

    # 3. The roads agent finds it in the triage queue and acknowledges it with a public note.
    staff = CouncilClient(dinan).login_as(roads_agent)
    queue = staff.get("/staff/civic/").content.decode()
    assert "Deep pothole" in queue
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(
            f"/staff/civic/reports/{report.pk}/status/",
            {"status": "acknowledged", "public_note": "A team will come on Monday."},
        )
    assert response.status_code == 302

    # 4. The public timeline shows it, and both followers got an email.
    public = CouncilClient(dinan).get(f"/reports/{report.pk}/").content.decode()
    assert "A team will come on Monday." in public and "Acknowledged" in public
    assert "Resident" in public  # Alice chose to show her name
    assert sorted(m.to[0] for m in mail.outbox) == [neighbour.email, resident.email]
    bobs = next(m for m in mail.outbox if m.to == [neighbour.email])
    assert "A team will come on Monday." in bobs.body

    # Bob unsubscribes with the link in his email (one button; RFC 8058 POST works as well).
    link = re.search(r"http://dinan\.localhost(/reports/unsubscribe/[^/\s]+/)", bobs.body)[1]
    assert "Unsubscribe" in CouncilClient(dinan).get(link).content.decode()
    assert ReportFollower.objects.filter(user=neighbour).exists()  # GET changes nothing
    CouncilClient(dinan, enforce_csrf_checks=True).post(link, {"List-Unsubscribe": "One-Click"})
    assert not ReportFollower.objects.filter(user=neighbour).exists()

    # 5. Fixed: Alice is asked whether it is fixed, says no, and the report reopens.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        staff.post(
            f"/staff/civic/reports/{report.pk}/status/",
            {"status": "fixed", "public_note": "Filled with asphalt."},
        )
    assert [m.to for m in mail.outbox] == [[resident.email]]
    assert "Is it fixed?" in mail.outbox[0].body
    assert "Is it fixed?" in alice.get(f"/reports/{report.pk}/").content.decode()
    alice.post(f"/reports/{report.pk}/reopen/", {"note": "The hole is back after the rain."})
    report.refresh_from_db()
    assert report.status == Status.IN_PROGRESS
    public = CouncilClient(dinan).get(f"/reports/{report.pk}/").content.decode()
    assert "Reopened by the reporter" in public and "The hole is back after the rain." in public
