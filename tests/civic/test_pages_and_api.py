"""Public pages, the staff portal and the REST API: scoping, hidden content, isolation."""

import csv
import io

import pytest
from django.core import mail
from django_tenants.utils import tenant_context

from civic import services
from civic.models import Category, IssueReport, Open311ApiKey, ReportFollower, Status
from tests.conftest import CouncilClient

from .conftest import DINAN, png


def _report(reporter, category, **kwargs):
    kwargs.setdefault("answers", {"depth": 4} if category.code == "pothole" else {})
    return services.issue_report_create(
        reporter=reporter,
        category=category,
        title=kwargs.pop("title", "Hole"),
        description=kwargs.pop("description", "Secret description"),
        latitude=DINAN[0],
        longitude=DINAN[1],
        **kwargs,
    )


@pytest.fixture
def hidden_report(resident, pothole, moderator, django_capture_on_commit_callbacks):
    report = _report(
        resident, pothole, title="Rude title", description="Rude words here", photos=[png(), png()]
    )
    first, second = report.photos.all()
    with django_capture_on_commit_callbacks(execute=True):
        services.report_text_hide(report=report, actor=moderator, reason="Insults")
        services.report_photo_hide(photo=first, actor=moderator, reason="A face")
    first.refresh_from_db()
    second.refresh_from_db()
    return report, first, second


def test_hidden_content_never_appears_publicly(dinan, hidden_report, client_dinan):
    report, hidden, visible = hidden_report
    pages = [
        client_dinan.get(url).content.decode()
        for url in (f"/reports/{report.pk}/", "/reports/", "/reports.geojson")
    ]
    api = [
        client_dinan.get(url).content.decode()
        for url in (f"/api/v1/civic/reports/{report.pk}/", "/api/v1/civic/reports/")
    ]
    for body in pages + api:
        assert "Rude" not in body
        assert hidden.file not in body and hidden.thumbnail not in body
    assert visible.thumbnail_url in pages[0] and visible.url in api[0]
    assert "was hidden by the council" in pages[0]
    # The hidden file is not under the public media root at all.
    assert client_dinan.get(f"/media/dinan/{hidden.file}").status_code == 404
    assert client_dinan.get(visible.url).status_code == 200
    # Reporter was told, for the text and for the photo.
    assert [m.to for m in mail.outbox] == [[report.reporter.email]] * 2


def test_hidden_photo_is_served_to_moderators_only(
    dinan, hidden_report, moderator, resident, roads_agent, lighting_agent
):
    hidden = hidden_report[1]
    url = f"/staff/civic/photos/{hidden.pk}/full/"
    assert CouncilClient(dinan).login_as(moderator).get(url).status_code == 200
    assert CouncilClient(dinan).login_as(roads_agent).get(url).status_code == 200
    assert CouncilClient(dinan).login_as(lighting_agent).get(url).status_code == 404
    assert CouncilClient(dinan).login_as(resident).get(url).status_code == 403
    assert CouncilClient(dinan).get(url).status_code == 302


def test_staff_api_shows_hidden_text_flagged(dinan, hidden_report, moderator):
    report = hidden_report[0]
    data = CouncilClient(dinan).login_as(moderator).get(f"/api/v1/civic/triage/{report.pk}/").json()
    assert data["text_hidden"] and data["description"] == "Rude words here"
    assert [p["is_hidden"] for p in data["photos"]] == [True, False]
    assert data["photos"][0]["url"] == ""


def test_agent_sees_and_acts_on_own_categories_only_in_portal_and_api(
    dinan, resident, pothole, streetlight, roads_agent
):
    hole = _report(resident, pothole, title="Hole on the quay")
    light = _report(resident, streetlight, title="Dark street")
    client = CouncilClient(dinan).login_as(roads_agent)
    queue = client.get("/staff/civic/").content.decode()
    assert "Hole on the quay" in queue and "Dark street" not in queue
    assert client.get(f"/staff/civic/reports/{light.pk}/").status_code == 404
    client.post(f"/staff/civic/reports/{light.pk}/status/", {"status": "fixed"})
    light.refresh_from_db()
    assert light.status == Status.SUBMITTED
    # bulk: the report outside the agent's categories is ignored
    client.post("/staff/civic/bulk/", {"ids": [hole.pk, light.pk], "status": "in_progress"})
    hole.refresh_from_db()
    light.refresh_from_db()
    assert hole.status == Status.IN_PROGRESS and light.status == Status.SUBMITTED
    # API
    ids = [r["id"] for r in client.get("/api/v1/civic/triage/").json()["results"]]
    assert ids == [hole.pk]
    response = client.post(
        f"/api/v1/civic/triage/{light.pk}/status/",
        {"status": "fixed"},
        content_type="application/json",
    )
    assert response.status_code == 404
    response = client.post(
        f"/api/v1/civic/triage/{hole.pk}/status/",
        {"status": "fixed", "public_note": "Done"},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["status"] == "fixed"


def test_residents_cannot_use_the_staff_portal_or_triage_api(dinan, resident, pothole):
    client = CouncilClient(dinan).login_as(resident)
    assert client.get("/staff/civic/").status_code == 403
    assert client.get("/api/v1/civic/triage/").status_code == 403
    assert client.get("/staff/civic/keys/").status_code == 403


def test_triage_filters_csv_export_and_assignment(
    dinan, resident, pothole, streetlight, moderator, roads_agent
):
    hole = _report(resident, pothole, title='=HYPERLINK("x")')
    _report(resident, streetlight, title="Dark street")
    client = CouncilClient(dinan).login_as(moderator)
    response = client.post(f"/staff/civic/reports/{hole.pk}/assign/", {"assignee": roads_agent.pk})
    assert response.status_code == 302
    hole.refresh_from_db()
    assert hole.assignee == roads_agent
    page = client.get("/staff/civic/", {"assignee": roads_agent.pk}).content.decode()
    assert f"/staff/civic/reports/{hole.pk}/" in page and "Dark street" not in page
    response = client.get("/staff/civic/export.csv", {"category": pothole.pk})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][0] == "id" and [r[0] for r in rows[1:]] == [str(hole.pk)]
    assert rows[1][8].startswith("'=")  # no formula injection in spreadsheets
    assert client.get("/staff/civic/map/").status_code == 200
    features = client.get("/staff/civic/queue.geojson").json()["features"]
    assert len(features) == 2


def test_merge_through_the_portal(dinan, resident, neighbour, pothole, moderator):
    original = _report(resident, pothole)
    duplicate = _report(neighbour, pothole)
    client = CouncilClient(dinan).login_as(moderator)
    client.post(f"/staff/civic/reports/{duplicate.pk}/merge/", {"original": original.pk})
    duplicate.refresh_from_db()
    assert duplicate.duplicate_of == original
    assert ReportFollower.objects.filter(report=original, user=neighbour).exists()
    page = CouncilClient(dinan).get(f"/reports/{duplicate.pk}/").content.decode()
    assert f'href="/reports/{original.pk}/"' in page


def test_public_list_map_and_geojson(dinan, resident, pothole, streetlight, client_dinan):
    a = _report(resident, pothole, title="First hole")
    b = _report(resident, streetlight, title="Dark lane")
    b.status = Status.FIXED
    b.save()
    page = client_dinan.get("/reports/", {"status": "open"}).content.decode()
    assert "First hole" in page and "Dark lane" not in page
    assert client_dinan.get("/reports/map/").status_code == 200
    data = client_dinan.get("/reports.geojson").json()
    assert data["type"] == "FeatureCollection"
    assert [f["id"] for f in data["features"]] == [b.pk, a.pk]
    feature = data["features"][1]
    assert feature["geometry"] == {
        "type": "Point",
        "coordinates": [round(DINAN[1], 6), round(DINAN[0], 6)],
    }
    assert feature["properties"]["status"] == "submitted"
    far = client_dinan.get("/reports.geojson", {"bbox": "0,0,1,1"}).json()
    assert far["features"] == []
    assert len(client_dinan.get("/reports.geojson", {"limit": "1"}).json()["features"]) == 1


def test_public_list_pages_with_a_keyset(dinan, resident, pothole, client_dinan, settings):
    settings.CIVIC_REPORTS_PER_HOUR = 100
    reports = [_report(resident, pothole, title=f"Hole {i}") for i in range(23)]
    first = client_dinan.get("/reports/").content.decode()
    assert "Hole 22" in first and "Hole 2<" not in first
    assert f"before={reports[3].pk}" in first
    second = client_dinan.get("/reports/", {"before": reports[3].pk}).content.decode()
    assert "Hole 0" in second and "Hole 22" not in second


def test_reports_of_one_council_are_invisible_in_another(
    dinan, saint_malo, resident, pothole, client_saint_malo, outsider
):
    report = _report(resident, pothole, title="Dinan only", photos=[png()])
    photo_url = report.photos.get().url
    assert client_saint_malo.get(f"/reports/{report.pk}/").status_code == 404
    assert "Dinan only" not in client_saint_malo.get("/reports/").content.decode()
    assert client_saint_malo.get("/reports.geojson").json()["features"] == []
    assert client_saint_malo.get(f"/api/v1/civic/reports/{report.pk}/").status_code == 404
    assert client_saint_malo.get(photo_url).status_code == 404
    malo = CouncilClient(saint_malo).login_as(outsider)
    assert malo.post(f"/reports/{report.pk}/follow/").status_code == 404
    assert malo.post(f"/api/v1/civic/reports/{report.pk}/follow/").status_code == 404
    with tenant_context(saint_malo):
        assert not ReportFollower.objects.exists()
    # A Dinan moderator's session means nothing at Saint-Malo's staff portal.
    assert client_saint_malo.get("/staff/civic/").status_code == 302


def test_api_create_report_with_photo_and_follow(dinan, resident, neighbour, pothole):
    client = CouncilClient(dinan).login_as(resident)
    response = client.post(
        "/api/v1/civic/reports/",
        {
            "category": "pothole",
            "title": "Via the app",
            "description": "Hole",
            "latitude": DINAN[0],
            "longitude": DINAN[1],
            "answers": '{"depth": "7"}',
            "photos": [png()],
        },
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["category"] == "pothole" and len(data["photos"]) == 1
    assert data["timeline"][0]["kind"] == "created"
    report = IssueReport.objects.get(pk=data["id"])
    assert report.source == "api" and report.answers == {"depth": 7.0}
    bob = CouncilClient(dinan).login_as(neighbour)
    assert bob.post(f"/api/v1/civic/reports/{report.pk}/follow/").status_code == 204
    assert ReportFollower.objects.filter(report=report, user=neighbour).exists()
    assert bob.delete(f"/api/v1/civic/reports/{report.pk}/follow/").status_code == 204
    assert not ReportFollower.objects.filter(report=report, user=neighbour).exists()
    assert CouncilClient(dinan).post("/api/v1/civic/reports/", {}).status_code in (401, 403)
    response = client.post(
        "/api/v1/civic/reports/",
        {"category": "pothole", "title": "x", "description": "y", "address": "here", "answers": {}},
        content_type="application/json",
    )
    assert response.status_code == 400 and "depth" in response.json()


def test_api_categories_are_public_and_in_the_openapi_schema(dinan, pothole, client_dinan):
    data = client_dinan.get("/api/v1/civic/categories/").json()
    assert data[0]["code"] == "pothole" and data[0]["questions"][0]["code"] == "depth"
    schema = client_dinan.get("/api/schema/").content.decode()
    for path in (
        "/api/v1/civic/reports/",
        "/api/v1/civic/triage/{id}/status/",
        "/api/v1/civic/reports/{id}/follow/",
        "/api/v1/civic/categories/",
    ):
        assert path in schema


def test_reporter_must_be_confirmed_to_report(dinan, pothole):
    from tests.conftest import make_user

    user = make_user("pending@example.org", email_confirmed=False)
    client = CouncilClient(dinan).login_as(user)
    assert client.get("/reports/new/", {"category": "pothole"}).status_code == 403
    assert CouncilClient(dinan).get("/reports/new/").status_code == 302


def test_admin_manages_categories_questions_teams_and_keys(dinan, council_admin, agent):
    client = CouncilClient(dinan).login_as(council_admin)
    response = client.post("/staff/civic/teams/", {"name": "Cleanliness", "members": [agent.pk]})
    assert response.status_code == 302
    response = client.post(
        "/staff/civic/categories/",
        {
            "code": "flytipping",
            "name_fr": "Dépôt sauvage",
            "name_en": "Fly-tipping",
            "group": "Cleanliness",
            "response_days": 3,
            "is_active": "on",
            "order": 0,
        },
    )
    assert response.status_code == 302
    category = Category.objects.get(code="flytipping")
    response = client.post(
        f"/staff/civic/categories/{category.pk}/",
        {
            "form": "question",
            "code": "size",
            "label_fr": "Volume",
            "label_en": "Size",
            "kind": "single",
            "order": 1,
            "choices_text": "small|Petit|Small\nlarge|Gros|Large",
        },
    )
    assert response.status_code == 302
    assert category.questions.get().choice_items() == [("small", "Small"), ("large", "Large")]
    response = client.post("/staff/civic/keys/", {"name": "Fix app"})
    assert response["Cache-Control"] == "no-store"
    key = Open311ApiKey.objects.get()
    assert key.prefix in response.content.decode()
    client.post(f"/staff/civic/keys/{key.pk}/revoke/")
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert CouncilClient(dinan).login_as(agent).get("/staff/civic/categories/").status_code == 403


def test_resident_can_send_a_different_problem_despite_nearby_reports(
    dinan, resident, neighbour, pothole
):
    existing = _report(resident, pothole)
    client = CouncilClient(dinan).login_as(neighbour)
    payload = {
        "category": "pothole",
        "latitude": DINAN[0],
        "longitude": DINAN[1],
        "title": "Another hole",
        "description": "On the other lane",
        "q_depth": "3",
    }
    page = client.post("/reports/new/", payload).content.decode()
    assert f"#{existing.pk}" in page and 'name="ignore_nearby" value="1"' in page
    response = client.post("/reports/new/", {**payload, "ignore_nearby": "1"})
    assert response.status_code == 302
    assert IssueReport.objects.count() == 2


def test_staff_report_page_renders_every_action(dinan, resident, pothole, moderator):
    report = _report(resident, pothole, photos=[png()])
    page = (
        CouncilClient(dinan)
        .login_as(moderator)
        .get(f"/staff/civic/reports/{report.pk}/")
        .content.decode()
    )
    for action in ("status", "assign", "note", "merge", "category", "text"):
        assert f"/staff/civic/reports/{report.pk}/{action}/" in page
    assert f"/staff/civic/photos/{report.photos.get().pk}/hide/" in page


def test_staff_and_unsubscribe_links_of_one_council_do_nothing_in_another(
    dinan, saint_malo, resident, pothole, client_saint_malo
):
    from tests.conftest import make_user

    report = _report(resident, pothole, title="Dinan hole")
    token = ReportFollower.objects.get(report=report).unsubscribe_token
    with tenant_context(saint_malo):
        malo_moderator = make_user("mod@saint-malo.example", "moderator")
    malo = CouncilClient(saint_malo).login_as(malo_moderator)
    assert malo.get(f"/staff/civic/reports/{report.pk}/").status_code == 404
    malo.post(f"/staff/civic/reports/{report.pk}/status/", {"status": "fixed"})
    assert malo.get(f"/api/v1/civic/triage/{report.pk}/").status_code == 404
    assert "Dinan hole" not in malo.get("/staff/civic/").content.decode()
    assert client_saint_malo.get(f"/reports/unsubscribe/{token}/").status_code == 404
    client_saint_malo.post(f"/reports/unsubscribe/{token}/")
    report.refresh_from_db()
    assert report.status == Status.SUBMITTED
    assert ReportFollower.objects.filter(report=report, unsubscribe_token=token).exists()


def test_report_form_shows_photo_errors(dinan, resident, pothole):
    from .conftest import not_an_image

    client = CouncilClient(dinan).login_as(resident)
    payload = {
        "category": "pothole",
        "address": "Rue de l'Apport",
        "title": "Hole",
        "description": "Deep",
        "q_depth": "4",
    }
    page = client.post("/reports/new/", {**payload, "photos": [png(), png(), png(), png()]})
    assert page.status_code == 200 and "up to 3 photos" in page.content.decode()
    page = client.post("/reports/new/", {**payload, "photos": [not_an_image()]})
    assert "not an accepted image" in page.content.decode()
    assert not IssueReport.objects.exists()


def test_triage_filters_by_neighbourhood_category_and_status(
    dinan, resident, pothole, streetlight, moderator
):
    from civic import selectors
    from community.models import Neighbourhood

    north = Neighbourhood.objects.create(name="North")
    a = _report(resident, pothole)
    b = _report(resident, streetlight)
    IssueReport.objects.filter(pk=a.pk).update(neighbourhood=north)
    services.report_status_change(report=b, actor=moderator, status=Status.FIXED)

    def ids(**kwargs):
        return [
            r.pk for r in selectors.reports_triage(moderator, selectors.TriageFilters(**kwargs))
        ]

    assert ids() == [a.pk]  # open by default
    assert ids(status="all") == [b.pk, a.pk]
    assert ids(status="all", neighbourhood=north.pk) == [a.pk]
    assert ids(status="closed") == [b.pk]
    assert ids(status="all", category=streetlight.pk) == [b.pk]
    assert ids(status="all", search=f"#{b.pk}") == [b.pk]
    page = (
        CouncilClient(dinan)
        .login_as(moderator)
        .get("/staff/civic/", {"neighbourhood": north.pk})
        .content.decode()
    )
    assert f"/staff/civic/reports/{a.pk}/" in page


def test_my_reports_lists_mine_and_followed(dinan, resident, neighbour, pothole):
    mine = _report(resident, pothole, title="Mine")
    theirs = _report(neighbour, pothole, title="Theirs")
    _report(neighbour, pothole, title="Not followed")
    services.report_follow(report=theirs, user=resident)
    page = CouncilClient(dinan).login_as(resident).get("/reports/mine/").content.decode()
    assert f"#{mine.pk} Mine" in page and f"#{theirs.pk} Theirs" in page
    assert "Not followed" not in page
