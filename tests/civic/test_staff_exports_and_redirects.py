"""The staff portal's CSV export keeps numbers as numbers, and no form redirects off the site."""

import csv
import io

from civic import services
from tests.conftest import CouncilClient

from .conftest import DINAN


def _report(reporter, category, **kwargs):
    return services.issue_report_create(
        reporter=reporter,
        category=category,
        title=kwargs.pop("title", "Hole"),
        description="A deep hole",
        latitude=DINAN[0],
        longitude=DINAN[1],
        answers={"depth": 4},
        **kwargs,
    )


def _csv(response) -> list[dict]:
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


def test_csv_export_writes_a_longitude_west_of_greenwich_as_a_number(
    dinan, resident, pothole, moderator
):
    report = _report(resident, pothole, title="-1 is not a formula")
    client = CouncilClient(dinan).login_as(moderator)
    response = client.get("/staff/civic/export.csv")
    assert response.status_code == 200
    (row,) = _csv(response)
    assert row["id"] == str(report.pk)
    assert row["longitude"] == str(DINAN[1]) == "-2.0503"
    assert float(row["latitude"]) == DINAN[0]
    # Text is still guarded against formula injection.
    assert row["title"] == "'-1 is not a formula"


def test_bulk_change_error_never_redirects_off_the_site(dinan, moderator, in_dinan):
    client = CouncilClient(dinan).login_as(moderator)
    response = client.post(
        "/staff/civic/bulk/", {"status": "fixed", "next": "https://evil.example/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/staff/civic/"
    for target in ("//evil.example/", "https:evil.example", "/\\evil.example"):
        response = client.post("/staff/civic/bulk/", {"next": target})
        assert "evil.example" not in response["Location"]


def test_bulk_change_goes_back_to_the_filtered_queue(dinan, resident, pothole, moderator):
    report = _report(resident, pothole)
    client = CouncilClient(dinan).login_as(moderator)
    back = "/staff/civic/?status=open&category=1"
    response = client.post(
        "/staff/civic/bulk/", {"ids": [report.pk], "status": "acknowledged", "next": back}
    )
    assert response["Location"] == back
    response = client.post(
        "/staff/civic/bulk/",
        {"ids": [report.pk], "status": "fixed", "next": "https://evil.example/"},
    )
    assert response["Location"] == "/staff/civic/"
    report.refresh_from_db()
    assert report.status == "fixed"


def test_page_api_and_csv_read_the_same_filters(dinan, resident, pothole, moderator):
    from civic.selectors import TriageFilters

    wanted = _report(resident, pothole, title="Broken kerb")
    _report(resident, pothole, title="Crater")
    query = {"status": "all", "q": "kerb", "overdue": "", "category": str(pothole.pk)}
    assert TriageFilters.from_query(query) == TriageFilters(
        status="all", category=pothole.pk, search="kerb"
    )
    client = CouncilClient(dinan).login_as(moderator)
    page = client.get("/staff/civic/", query).content.decode()
    assert "Broken kerb" in page and "Crater" not in page
    assert '<option value="all" selected>' in page
    api = client.get("/api/v1/civic/triage/", query).json()["results"]
    assert [r["id"] for r in api] == [wanted.pk]
    assert [r["id"] for r in _csv(client.get("/staff/civic/export.csv", query))] == [str(wanted.pk)]


def test_staff_report_page_shows_answers_under_their_question_and_choice_names(in_dinan):
    """Not "depth 10,0" or "size large": the question's label and the choice's name, in the
    reader's language."""
    from civic import demo
    from civic.models import Category, IssueReport
    from tests.conftest import CouncilClient, make_user

    make_user("agent@dinan.example", "agent")
    make_user("alice@dinan.example")
    demo.load(in_dinan)
    moderator = make_user("mod@dinan.example", "moderator")
    report = IssueReport.objects.create(
        category=Category.objects.get(code="flytipping"),
        title="Sofa",
        description="A sofa on the pavement.",
        answers={"size": "large", "gone": "yes"},
    )
    for language, label, value in (("en", "Size", "Bulky items"), ("fr", "Volume", "Encombrants")):
        client = CouncilClient(in_dinan, language=language).login_as(moderator)
        page = client.get(f"/staff/civic/reports/{report.pk}/").content.decode()
        assert f"<dt>{label}</dt><dd>{value}</dd>" in page
        assert "<dt>gone</dt><dd>yes</dd>" in page  # a question since deleted keeps its code
