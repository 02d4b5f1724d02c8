"""The SMS alerts report for a period: figures of a known data set in the PDF and the CSV,
failures grouped by reason, segments and cost, opt-outs; who may request it."""

import datetime
import io
import re

import pypdf
import pytest

from alerts.models import Alert, AlertEvent, AlertRecipient, AlertTestSend
from alerts.services import optout_add, optout_remove
from alerts.statistics import alert_figures
from community.storage import private_document_storage
from reports import services
from reports.models import Report, ReportKind, ReportStatus
from tests.conftest import CouncilClient

PARIS = datetime.timezone(datetime.timedelta(hours=1))
NOVEMBER = {"start": "2026-11-01", "end": "2026-11-30"}
_phones = iter(range(10_000))


def _at(month: int, day: int, hour: int = 10, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(2026, month, day, hour, minute, tzinfo=PARIS)


def _alert(headline: str, dispatched_at, *, segments: int, rows, **fields) -> Alert:
    """A sent alert and its delivery rows: (status, error code, accepted by Twilio)."""
    alert = Alert.objects.create(
        headline=headline,
        event=headline,
        sms_body=headline,
        state=Alert.State.SENT,
        dispatched_at=dispatched_at,
        completed_at=dispatched_at,
        segments=segments,
        recipient_count=len(rows),
        **fields,
    )
    AlertRecipient.objects.bulk_create(
        AlertRecipient(
            alert=alert,
            phone=f"+3361{(n := next(_phones)):07d}",
            batch=0,
            status=status,
            error_code=code,
            message_sid=f"SM{n:032d}" if accepted else None,
        )
        for status, code, accepted in rows
    )
    return alert


def _optout_event_at(phone: str, when, *, source: str, remove: bool = False) -> None:
    optout_add(phone=phone, source=source, keyword="STOP")
    if remove:
        optout_remove(phone=phone, keyword="START")
    AlertEvent.objects.filter(created_at__gte=_at(12, 1, 0)).update(created_at=when)


@pytest.fixture
def alerts_data(in_dinan, settings):
    settings.ALERTS_SEGMENT_PRICE = "0.0798"
    settings.ALERTS_SEGMENT_CURRENCY = "EUR"
    # 12 addressed, 9 accepted by Twilio (6 delivered), 6 failures of five kinds; 2 segments.
    _alert(
        "Crue de la Rance",
        _at(11, 10),
        segments=2,
        rows=[("delivered", None, True)] * 6
        + [
            ("undelivered", 30003, True),
            ("undelivered", 30005, True),
            ("undelivered", 30007, True),
            ("invalid", 21614, False),
            ("opted_out", None, False),
            ("opted_out", 21610, False),
        ],
    )
    # An exercise: 4 accepted, 3 delivered, one still without its receipt; 1 segment.
    _alert(
        "Coupure d'eau",
        _at(11, 20),
        segments=1,
        cap_status=Alert.CapStatus.EXERCISE,
        rows=[("delivered", None, True)] * 3 + [("sent", None, True)],
    )
    # Outside the period (31 October, 23:30 in Paris) and a draft: neither counts.
    _alert("Tempête", _at(10, 31, 23, 30), segments=3, rows=[("delivered", None, True)] * 5)
    Alert.objects.create(headline="Brouillon", event="x", sms_body="x")
    test = AlertTestSend.objects.create(alert=Alert.objects.get(headline="Brouillon"), segments=2)
    AlertTestSend.objects.filter(pk=test.pk).update(created_at=_at(11, 9))
    # Opt-outs: two STOP replies and one reported by Twilio in November (one of them sent START
    # afterwards), one in October.
    _optout_event_at("+33612000001", _at(11, 11), source="sms_reply", remove=True)
    _optout_event_at("+33612000002", _at(11, 12), source="sms_reply")
    _optout_event_at("+33612000003", _at(11, 13), source="provider")
    _optout_event_at("+33612000004", _at(10, 15), source="sms_reply")


def test_alert_figures_are_computed_for_the_period(alerts_data):
    from decimal import Decimal

    figures = alert_figures(_at(11, 1, 0), _at(12, 1, 0))
    assert figures["alerts_sent"] == 2
    assert figures["addressed"] == 16 and figures["handed_over"] == 13
    assert figures["reached"] == 9 and figures["delivery_rate"] == 69.2
    assert figures["failed"] == 6 and figures["awaiting"] == 1
    assert figures["segments"] == 2 * 9 + 1 * 4 and figures["test_segments"] == 2
    assert figures["cost"] == Decimal("1.92")  # 24 segments at 0.0798
    assert [(f["reason"], f["codes"], f["count"]) for f in figures["failures"]] == [
        ("unreachable", [30003, 30005], 2),
        ("blocked", [30007], 1),
        ("invalid", [21614], 1),
        ("opted_out", [], 1),
        ("stop", [21610], 1),
    ]
    assert figures["optouts"] == 3 and figures["optouts_by_reply"] == 2
    assert figures["optouts_by_provider"] == 1 and figures["opted_in"] == 1
    crue, coupure = figures["alerts"]
    assert (crue["headline"], crue["reached"], crue["delivery_rate"]) == (
        "Crue de la Rance",
        6,
        66.7,
    )
    assert coupure["awaiting"] == 1 and not coupure["actual"]


def _text(report: Report) -> list[str]:
    with private_document_storage().open(report.file, "rb") as handle:
        reader = pypdf.PdfReader(io.BytesIO(handle.read()))
    assert reader.trailer["/Root"]["/Lang"] == "fr"
    assert "/StructTreeRoot" in reader.trailer["/Root"]
    assert reader.metadata.title == report.title
    text = "\n".join(p.extract_text() for p in reader.pages)
    return re.sub(r"[\u00a0\u202f]", " ", text).splitlines()


def test_alerts_report_pdf_holds_the_figures_in_french(alerts_data, elected_official):
    report = services.report_request(
        actor=elected_official, kind=ReportKind.ALERTS, parameters=NOVEMBER
    )
    assert report.title == "Alertes SMS du 1 novembre 2026 au 30 novembre 2026"
    report = services.report_generate(report_id=report.pk)
    assert report.status == ReportStatus.DONE, report.reason
    lines = _text(report)
    assert "Alertes envoyées 2" in lines
    assert "Messages adressés 16" in lines
    assert "Habitants atteints 9" in lines
    assert "Taux de remise 69,2 %" in lines
    assert "Segments SMS 22" in lines
    assert "Coût estimé 1,92 EUR" in lines
    assert "Désinscriptions (STOP) 3" in lines
    assert "Téléphone injoignable ou inconnu 30003, 30005 2" in lines
    assert "Bloqué ou filtré par l\u2019opérateur 30007 1" in lines
    assert "Crue de la Rance (Grave) 10 novembre 2026 12 6 66,7 % 6 18" in lines
    assert not any("Tempête" in line for line in lines)
    assert "page 2 / " in "\n".join(lines)


def test_alerts_figures_as_csv(alerts_data, communications_officer, dinan):
    report = services.report_request(
        actor=communications_officer, kind=ReportKind.ALERTS, parameters=NOVEMBER
    )
    client = CouncilClient(dinan).login_as(communications_officer)
    response = client.get(f"/staff/reports/{report.pk}/figures.csv")
    assert response.status_code == 200
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert lines[0] == "figure,detail,value"
    for expected in (
        "alerts_sent,,2",
        "reached,,9",
        "delivery_rate,,69.2",
        "segments,,22",
        "cost,,1.92",
        "optouts,,3",
        "failures,unreachable (30003 30005),2",
        "failures,opted_out,1",
    ):
        assert expected in lines


def test_alerts_report_is_started_from_the_portal_and_the_api(alerts_data, elected_official, dinan):
    client = CouncilClient(dinan).login_as(elected_official)
    assert 'name="kind" value="alerts"' in client.get("/staff/reports/").content.decode()
    response = client.post("/staff/reports/request/", {"kind": "alerts", **NOVEMBER})
    assert response.status_code == 302
    created = client.post(
        "/api/v1/reports/", {"kind": "alerts", **NOVEMBER}, content_type="application/json"
    )
    assert created.status_code == 201, created.content
    reports = Report.objects.filter(kind=ReportKind.ALERTS).order_by("version")
    assert [(r.version, r.parameters) for r in reports] == [(1, NOVEMBER), (2, NOVEMBER)]
    wrong = client.post(
        "/api/v1/reports/",
        {"kind": "alerts", "start": "2026-11-30", "end": "2026-11-01"},
        content_type="application/json",
    )
    assert wrong.status_code == 400


@pytest.mark.parametrize("persona", ["resident", "agent", "moderator"])
def test_other_people_cannot_request_an_alerts_report(persona, in_dinan, dinan, request):
    client = CouncilClient(dinan).login_as(request.getfixturevalue(persona))
    assert client.post("/staff/reports/request/", {"kind": "alerts", **NOVEMBER}).status_code == 403
    assert (
        client.post(
            "/api/v1/reports/", {"kind": "alerts", **NOVEMBER}, content_type="application/json"
        ).status_code
        == 403
    )
    assert not Report.objects.exists()


def test_an_alerts_report_is_served_to_report_roles_of_its_council_only(
    alerts_data, council_admin, agent, dinan, saint_malo
):
    from django_tenants.utils import schema_context

    from tests.conftest import make_user

    report = services.report_request(
        actor=council_admin, kind=ReportKind.ALERTS, parameters=NOVEMBER
    )
    services.report_generate(report_id=report.pk)
    urls = [
        f"/staff/reports/{report.pk}/progress.json",
        f"/staff/reports/{report.pk}/file/",
        f"/staff/reports/{report.pk}/figures.csv",
    ]
    ours = CouncilClient(dinan).login_as(council_admin)
    assert [ours.get(url).status_code for url in urls] == [200, 200, 200]
    assert [CouncilClient(dinan).login_as(agent).get(url).status_code for url in urls] == [403] * 3
    with schema_context(saint_malo.schema_name):
        theirs = make_user("admin@saint-malo.example", "council_admin")
    other = CouncilClient(saint_malo).login_as(theirs)
    assert [other.get(url).status_code for url in urls] == [404] * 3
    assert other.get(f"/api/v1/reports/{report.pk}/progress/").status_code == 404
