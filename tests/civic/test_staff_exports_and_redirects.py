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
