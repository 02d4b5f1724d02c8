"""The staff portal's alert pages."""

import csv
import io

import pytest
from django.utils import timezone

from alerts.models import Alert, AlertRecipient, AlertSettings
from tests.conftest import CouncilClient, make_user

from .conftest import draft, neighbourhood, subscriber


@pytest.fixture
def officer(in_dinan):
    return make_user("officer@dinan.example", "communications_officer")


@pytest.fixture
def staff(client_dinan, officer):
    return client_dinan.login_as(officer)


def _confirmed_send(client, alert, typed: str = "Dinan"):
    """Send through the confirmation page, as staff do: the count they saw and, for a real
    alert to the whole council, the council's name."""
    return client.post(
        f"/staff/alerts/{alert.pk}/send/", {"recipients": _recipients(alert), "typed": typed}
    )


def _recipients(alert) -> int:
    from alerts.selectors import alert_send_estimate

    return alert_send_estimate(alert).recipients


def _csv(client, alert) -> str:
    response = client.get(f"/staff/alerts/{alert.pk}/recipients.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    return b"".join(response.streaming_content).decode()


def test_compose_starts_from_a_hazard_template_in_french(staff):
    page = staff.get("/staff/alerts/new/?hazard=flood&language=fr").content.decode()
    assert "ALERTE INONDATION" in page and "Dinan - ALERTE INONDATION" in page
    assert 'id="hazard-templates"' in page  # the other templates, for the page's script


def test_templates_keep_french_texts_in_gsm7(in_dinan):
    from alerts.hazards import HAZARDS
    from alerts.segments import sms_segments

    for hazard in HAZARDS.values():
        for language in ("fr", "en"):
            body = hazard.for_language(language, "Saint-Brieuc")["sms_body"]
            assert sms_segments(body).encoding == "GSM-7", (hazard.code, language)


def test_draft_is_saved_and_shows_recipients_and_time_to_send(staff, officer):
    river = neighbourhood("River")
    for i in range(3):
        subscriber(f"s{i}@example.org", neighbourhoods=[river])
    subscriber("elsewhere@example.org", neighbourhoods=[neighbourhood("Hill")])
    AlertSettings.objects.update_or_create(pk=1, defaults={"send_rate": 1})
    response = staff.post(
        "/staff/alerts/new/",
        {
            "hazard": "storm",
            "language": "en",
            "cap_status": "Actual",
            "scope": "Public",
            "category": "Met",
            "event": "Storm",
            "urgency": "Expected",
            "severity": "Severe",
            "certainty": "Likely",
            "response_type": "Shelter",
            "headline": "Storm tonight",
            "sms_body": "Storm tonight: stay indoors.",
            "target": "neighbourhoods",
            "neighbourhoods": [river.pk],
        },
    )
    alert = Alert.objects.get(headline="Storm tonight")
    assert response.status_code == 302 and response["Location"].endswith(f"/{alert.pk}/")
    assert alert.state == "draft" and list(alert.neighbourhoods.all()) == [river]
    page = staff.get(f"/staff/alerts/{alert.pk}/").content.decode()
    assert "3 recipients, 3 segments" in page and "about 3 s" in page
    assert "GSM-7, 1 SMS segment per recipient" in page


def test_live_estimate(staff, officer):
    subscriber("one@example.org", whole_council=True)
    data = staff.get(
        "/staff/alerts/estimate.json", {"text": "Tempête ê" * 10, "target": "council"}
    ).json()
    assert data["encoding"] == "UCS-2" and data["segments"] == 2 and data["recipients"] == 1
    assert data["non_gsm"] == ["ê"]


def test_test_send_goes_to_the_authors_own_phone_only(staff, officer, twilio):
    subscriber("resident@example.org", whole_council=True)
    alert = draft(officer)
    response = staff.post(f"/staff/alerts/{alert.pk}/test/", follow=True)
    assert "Confirm your own mobile number" in response.content.decode()
    assert twilio.state()["messages"] == []

    officer.phone, officer.phone_confirmed_at = "+33699999999", timezone.now()
    officer.save()
    staff.post(f"/staff/alerts/{alert.pk}/test/")
    assert [m["to"] for m in twilio.state()["messages"]] == ["+33699999999"]
    alert.refresh_from_db()
    assert alert.state == "draft" and alert.test_sends.count() == 1


def test_test_sends_are_rate_limited(staff, officer, twilio):
    officer.phone, officer.phone_confirmed_at = "+33699999999", timezone.now()
    officer.save()
    alert = draft(officer)
    for _ in range(5):
        staff.post(f"/staff/alerts/{alert.pk}/test/")
    response = staff.post(f"/staff/alerts/{alert.pk}/test/", follow=True)
    assert "Too many test messages" in response.content.decode()
    assert len(twilio.state()["messages"]) == 5


def test_send_then_progress_report_and_csv(
    staff, officer, twilio, django_capture_on_commit_callbacks
):
    good = [subscriber(f"g{i}@example.org", whole_council=True).phone for i in range(3)]
    bad = subscriber("bad@example.org", whole_council=True).phone
    twilio.configure(error_numbers={bad: 21614})
    alert = draft(officer)
    with django_capture_on_commit_callbacks(execute=True):
        _confirmed_send(staff, alert)
    progress = staff.get(f"/staff/alerts/{alert.pk}/progress.json").json()
    assert progress["total"] == 4 and progress["complete"]
    assert progress["counts"]["accepted"] == 3 and progress["counts"]["failed"] == 1
    page = staff.get(f"/staff/alerts/{alert.pk}/").content.decode()
    assert "Delivery summary" in page and "21614" in page and bad in page
    rows = list(csv.DictReader(io.StringIO(_csv(staff, alert))))
    # Phone numbers are text starting with "+": written with the formula guard (core.csv).
    assert {r["phone"] for r in rows} == {f"'{phone}" for phone in (*good, bad)}
    assert {r["status"] for r in rows if r["phone"] == f"'{bad}"} == {"invalid"}
    assert all(r["message_sid"].startswith("SM") for r in rows if r["phone"][1:] in good)


def test_csv_neutralises_formulas_in_names(
    staff, officer, twilio, django_capture_on_commit_callbacks
):
    subscriber("evil@example.org", whole_council=True, full_name='=HYPERLINK("x")')
    alert = draft(officer)
    with django_capture_on_commit_callbacks(execute=True):
        _confirmed_send(staff, alert)
    rows = list(csv.reader(io.StringIO(_csv(staff, alert))))
    assert rows[1][1].startswith("'=")


def test_update_and_cancel_pages_prefill_a_message_referencing_the_alert(staff, officer):
    from alerts.services import alert_send

    alert = alert_send(alert=draft(officer), actor=officer)
    page = staff.get(f"/staff/alerts/{alert.pk}/cancel/").content.decode()
    assert "Cancelled: Flood warning" in page and "END OF ALERT" in page
    staff.post(
        f"/staff/alerts/{alert.pk}/update/",
        {
            "language": "en",
            "cap_status": "Actual",
            "scope": "Public",
            "category": "Met",
            "event": "Flood",
            "urgency": "Immediate",
            "severity": "Extreme",
            "certainty": "Observed",
            "response_type": "Evacuate",
            "headline": "Flood: evacuate",
            "sms_body": "Evacuate now.",
            "target": "council",
        },
    )
    update = Alert.objects.get(headline="Flood: evacuate")
    assert update.msg_type == "Update" and update.references == alert


def test_only_communications_officers_and_admins_reach_alerts(client_dinan, in_dinan):
    agent = make_user("agent@dinan.example", "agent")
    resident = make_user("resident@example.org")
    assert client_dinan.get("/staff/alerts/").status_code == 302  # sign in first
    assert client_dinan.login_as(agent).get("/staff/alerts/").status_code == 403
    assert (
        CouncilClient(client_dinan.council).login_as(resident).get("/staff/alerts/").status_code
        == 403
    )
    admin = make_user("admin@dinan.example", "council_admin")
    assert (
        CouncilClient(client_dinan.council).login_as(admin).get("/staff/alerts/").status_code == 200
    )


def test_another_councils_staff_cannot_see_or_send_this_councils_alert(officer, saint_malo, twilio):
    from django_tenants.utils import tenant_context

    subscriber("r@example.org", whole_council=True)
    alert = draft(officer)
    with tenant_context(saint_malo):
        malo_officer = make_user("officer@saint-malo.example", "communications_officer")
        assert not Alert.objects.filter(pk=alert.pk).exists()
    client = CouncilClient(saint_malo).login_as(malo_officer)
    for path in ("", "progress.json", "recipients.csv", "edit/"):
        assert client.get(f"/staff/alerts/{alert.pk}/{path}").status_code == 404
    assert client.post(f"/staff/alerts/{alert.pk}/send/").status_code == 404
    alert.refresh_from_db()
    assert alert.state == "draft" and not AlertRecipient.objects.exists()


def test_settings_store_the_councils_auth_token_encrypted(client_dinan, in_dinan, officer):
    admin = make_user("admin@dinan.example", "council_admin")
    assert client_dinan.login_as(officer).get("/staff/alerts/settings/").status_code == 403
    client = CouncilClient(client_dinan.council).login_as(admin)
    response = client.post(
        "/staff/alerts/settings/",
        {
            "send_rate": 30,
            "monthly_budget_segments": 5000,
            "require_approval": "on",
            "delivery_retention_days": 60,
            "twilio_account_sid": "AC" + "7" * 32,
            "twilio_messaging_service_sid": "MG" + "7" * 32,
            "twilio_auth_token": "s3cret-token",
        },
    )
    assert response.status_code == 302
    config = AlertSettings.objects.get()
    assert config.send_rate == 30 and config.require_approval
    assert config.delivery_retention_days == 60
    assert config.twilio_auth_token_encrypted and "s3cret" not in config.twilio_auth_token_encrypted
    from alerts.credentials import council_credentials

    assert council_credentials().auth_token == "s3cret-token"
    assert "s3cret-token" not in client.get("/staff/alerts/settings/").content.decode()


def test_csv_writes_phones_as_guarded_text_numbers_as_numbers_and_guards_names(
    staff, officer, twilio, django_capture_on_commit_callbacks
):
    subscriber("cmd@example.org", whole_council=True, phone="+33612345678", full_name="=cmd")
    refused = subscriber("refused@example.org", whole_council=True).phone
    twilio.configure(error_numbers={refused: 21614})
    alert = draft(officer)
    with django_capture_on_commit_callbacks(execute=True):
        _confirmed_send(staff, alert)
    header, *rows = csv.reader(io.StringIO(_csv(staff, alert)))
    by_phone = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
    # A phone number is text: a leading "+" would make a spreadsheet compute it, so it is
    # guarded like any text starting with = + - @ (core.csv).
    assert set(by_phone) == {"'+33612345678", f"'{refused}"}
    mine = by_phone["'+33612345678"]
    assert mine["resident"] == "'=cmd"
    assert mine["attempts"] == "1" and mine["error_code"] == ""
    assert mine["accepted_at"][:4].isdigit() and mine["may_have_been_sent_twice"] == ""
    assert by_phone[f"'{refused}"]["error_code"] == "21614"


def test_sending_asks_for_a_confirmation_that_repeats_audience_count_and_text(
    staff, officer, twilio, django_capture_on_commit_callbacks
):
    for i in range(2):
        subscriber(f"s{i}@example.org", whole_council=True)
    alert = draft(officer, sms_body="Flood: keep away from the river banks until tonight.")
    detail = staff.get(f"/staff/alerts/{alert.pk}/").content.decode()
    # The alert's page links to the confirmation; no button there sends.
    assert f'href="/staff/alerts/{alert.pk}/send/"' in detail
    assert f'action="/staff/alerts/{alert.pk}/send/"' not in detail
    page = staff.get(f"/staff/alerts/{alert.pk}/send/").content.decode()
    assert "the whole council" in page and "2 residents" in page
    assert "Flood: keep away from the river" in page and "Type the council" in page
    # A click alone, a wrong name or a stale count send nothing.
    with django_capture_on_commit_callbacks(execute=True):
        assert staff.post(f"/staff/alerts/{alert.pk}/send/").status_code == 400
        assert _confirmed_send(staff, alert, typed="Dinard").status_code == 400
        stale = {"recipients": 1, "typed": "Dinan"}
        assert staff.post(f"/staff/alerts/{alert.pk}/send/", stale).status_code == 400
    alert.refresh_from_db()
    assert alert.state == "draft" and not twilio.state()["messages"]
    with django_capture_on_commit_callbacks(execute=True):
        response = _confirmed_send(staff, alert, typed="  dinan ")
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.is_sent and len(twilio.state()["messages"]) == 2


def test_an_exercise_or_a_neighbourhood_alert_is_confirmed_without_typing(
    staff, officer, twilio, django_capture_on_commit_callbacks
):
    subscriber("e@example.org", whole_council=True)
    alert = draft(officer, cap_status="Exercise")
    page = staff.get(f"/staff/alerts/{alert.pk}/send/").content.decode()
    assert "Type the council" not in page
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(f"/staff/alerts/{alert.pk}/send/", {"recipients": 1})
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.is_sent


def test_french_templates_are_written_with_their_accents(in_dinan):
    """They are published on the site and in CAP: "tempête", "évacuation", "à l'abri"."""
    from alerts.hazards import HAZARDS

    names = ("event", "headline", "sms_body", "description", "instruction")
    texts = " ".join(
        hazard.for_language("fr", "Dinan")[name] for hazard in HAZARDS.values() for name in names
    )
    for word in ("Tempête", "Évacuation", "à l'abri", "électricité", "températures"):
        assert word in texts
    for unaccented in ("Tempete", "evacuation", "a l'abri", "electricite", "temperatures"):
        assert unaccented not in texts
