"""Phone numbers of overseas councils: recipients, replies and pages use the E.164 number that
phone confirmation stored (core.phones, in the council's region), never a +33 guess."""

import pytest
from django.db import connection
from django.utils import timezone

from alerts import selectors
from tests.conftest import CouncilClient, make_user

from .conftest import draft, subscriber

INBOUND = "/webhooks/twilio/inbound/"


@pytest.fixture
def reunion(dinan):
    """A council of La Réunion (Dinan's schema, with Réunion's phone region)."""
    dinan.phone_region = "RE"
    dinan.save(update_fields=["phone_region"])
    connection.set_tenant(dinan)
    yield dinan
    connection.set_schema_to_public()


@pytest.fixture
def officer(reunion):
    return make_user("officer@reunion.example", "communications_officer")


def test_overseas_resident_is_texted_at_their_number_and_stop_opts_it_out(
    reunion, officer, twilio, send, twilio_post
):
    resident = subscriber("kreol@example.org", phone="+262692123456", whole_council=True)
    # A number stored the national way (never confirmed through core.phones) is not read as
    # French: the old code texted +33692123457, someone else's number or none at all.
    subscriber("legacy@example.org", phone="0692123457", whole_council=True)

    first = send(draft(officer), officer)
    assert [m["to"] for m in twilio.state()["messages"]] == ["+262692123456"]
    assert list(first.recipients.values_list("phone", flat=True)) == ["+262692123456"]

    client = CouncilClient(reunion)
    response = twilio_post(client, INBOUND, {"From": "+262692123456", "Body": "STOP"})
    assert response.status_code == 200
    assert selectors.phone_is_opted_out(resident.phone)

    second = send(draft(officer, headline="Cyclone"), officer)
    assert second.recipient_count == 0
    assert len(twilio.state()["messages"]) == 1

    page = client.login_as(resident).get("/alerts/subscription/").content.decode()
    # Shown as a Réunion resident writes it, and as opted out.
    assert "Alerts go to 0692 12 34 56" in page and "replied STOP" in page


def test_test_send_reaches_an_overseas_officers_own_number(reunion, officer, twilio):
    from alerts.services import alert_test_send

    officer.phone, officer.phone_confirmed_at = "+262692654321", timezone.now()
    officer.save()
    alert_test_send(alert=draft(officer), actor=officer)
    assert [m["to"] for m in twilio.state()["messages"]] == ["+262692654321"]
