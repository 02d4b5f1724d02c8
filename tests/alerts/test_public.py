"""The public side: alert pages, CAP 1.2 documents (validated against the OASIS schema), the
Atom feed, the home card, the subscription page."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from lxml import etree

from alerts.cap import NS, alert_cap_xml, cap_errors
from alerts.models import Alert, AlertSubscription
from alerts.services import (
    alert_create,
    alert_followup_defaults,
    alert_send,
    subscription_save,
)
from tenants.models import current_council
from tests.conftest import make_user

from .conftest import draft, neighbourhood, subscriber

CAP = {"cap": NS}


@pytest.fixture
def officer(in_dinan):
    return make_user("officer@dinan.example", "communications_officer")


def _sent(officer, **fields):
    return alert_send(alert=draft(officer, **fields), actor=officer)


def _cap(client, alert) -> bytes:
    response = client.get(f"/alerts/cap/{alert.identifier}.xml")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/cap+xml")
    return response.content


def test_cap_of_an_alert_to_drawn_neighbourhoods_validates(officer, client_dinan):
    river = neighbourhood(
        "River",
        {
            "type": "Polygon",
            "coordinates": [[[-2.05, 48.45], [-2.04, 48.45], [-2.04, 48.46], [-2.05, 48.45]]],
        },
    )
    undrawn = neighbourhood("Hill")
    alert = _sent(
        officer,
        neighbourhoods=[river, undrawn],
        expires_at=timezone.now() + timedelta(hours=6),
        description="The river is rising.",
        instruction="Move upstairs.",
    )
    document = _cap(client_dinan, alert)
    assert cap_errors(document) == []
    root = etree.fromstring(document)
    assert root.findtext("cap:identifier", namespaces=CAP) == alert.identifier
    assert root.findtext("cap:sender", namespaces=CAP) == "dinan.localhost"
    assert root.findtext("cap:msgType", namespaces=CAP) == "Alert"
    assert root.findtext("cap:sent", namespaces=CAP).endswith(("+01:00", "+02:00"))
    areas = root.findall("cap:info/cap:area", namespaces=CAP)
    assert [a.findtext("cap:areaDesc", namespaces=CAP) for a in areas] == [
        "Dinan - Hill",
        "Dinan - River",
    ]
    assert areas[1].findtext("cap:polygon", namespaces=CAP).startswith("48.450000,-2.050000 ")
    assert areas[0].find("cap:polygon", namespaces=CAP) is None


def test_cap_of_updates_and_cancellations_reference_the_chain_and_validate(officer, client_dinan):
    original = _sent(officer)
    fields, hoods = alert_followup_defaults(original, Alert.MsgType.UPDATE)
    fields["headline"] = "Flood: worse"
    update = alert_send(
        alert=alert_create(
            author=officer,
            fields=fields,
            neighbourhoods=hoods,
            references=original,
            msg_type="Update",
        ),
        actor=officer,
    )
    fields, hoods = alert_followup_defaults(update, Alert.MsgType.CANCEL)
    cancel = alert_send(
        alert=alert_create(
            author=officer,
            fields=fields,
            neighbourhoods=hoods,
            references=update,
            msg_type="Cancel",
        ),
        actor=officer,
    )
    for alert in (original, update, cancel):
        assert cap_errors(_cap(client_dinan, alert)) == []
    root = etree.fromstring(_cap(client_dinan, cancel))
    assert root.findtext("cap:msgType", namespaces=CAP) == "Cancel"
    references = root.findtext("cap:references", namespaces=CAP).split(" ")
    assert [r.split(",")[1] for r in references] == [original.identifier, update.identifier]
    assert root.findtext("cap:info/cap:responseType", namespaces=CAP) == "AllClear"


def test_cap_of_a_restricted_exercise_in_french_validates(officer, client_dinan):
    alert = _sent(
        officer,
        scope="Restricted",
        cap_status="Exercise",
        language="fr",
        headline="Exercice : tempête",
        sms_body="Exercice tempête à Dinan",
    )
    # Restricted alerts are not published on the site; the document itself is still valid CAP.
    assert client_dinan.get(f"/alerts/cap/{alert.identifier}.xml").status_code == 404
    document = alert_cap_xml(alert, current_council())
    assert cap_errors(document) == []
    root = etree.fromstring(document)
    assert root.findtext("cap:restriction", namespaces=CAP)
    assert root.findtext("cap:info/cap:language", namespaces=CAP) == "fr"


def test_cap_and_feed_drop_characters_xml_forbids(officer, client_dinan):
    """A vertical tab pasted from a word processor must not make the documents unparsable."""
    alert = _sent(
        officer,
        headline="Flood\x0b warning",
        description="The river\x0b is rising.\x08",
        instruction="Move\x1f upstairs.",
    )
    document = _cap(client_dinan, alert)
    root = etree.fromstring(document)  # lxml refuses a document with a control character
    assert cap_errors(document) == []
    assert root.findtext("cap:info/cap:description", namespaces=CAP) == "The river is rising."
    assert root.findtext("cap:info/cap:headline", namespaces=CAP) == "Flood warning"
    assert root.findtext("cap:info/cap:instruction", namespaces=CAP) == "Move upstairs."
    feed = client_dinan.get("/alerts/feed.xml")
    assert feed.status_code == 200
    entry = etree.fromstring(feed.content).find("{http://www.w3.org/2005/Atom}entry")
    assert entry.findtext("{http://www.w3.org/2005/Atom}title") == "Flood warning"


def test_schema_rejects_a_broken_document():
    broken = (
        f'<alert xmlns="{NS}"><identifier>x</identifier><sender>s</sender>'
        "<sent>2026-11-26T10:00:00Z</sent><status>Actual</status><msgType>Alert</msgType>"
        "<scope>Public</scope></alert>"
    ).encode()
    assert cap_errors(broken)  # "Z" is not allowed by the CAP 1.2 schema


def test_drafts_are_not_published(officer, client_dinan):
    alert = draft(officer)
    assert client_dinan.get(f"/alerts/cap/{alert.identifier}.xml").status_code == 404
    assert client_dinan.get(f"/alerts/{alert.identifier}/").status_code == 404
    assert alert.headline not in client_dinan.get("/alerts/").content.decode()


def test_another_councils_alert_is_not_found_here(officer, client_saint_malo):
    alert = _sent(officer)
    assert client_saint_malo.get(f"/alerts/cap/{alert.identifier}.xml").status_code == 404
    assert client_saint_malo.get(f"/alerts/{alert.identifier}/").status_code == 404
    assert alert.headline not in client_saint_malo.get("/alerts/feed.xml").content.decode()


def test_alert_list_separates_current_and_past(officer, client_dinan):
    current = _sent(officer, headline="Storm tonight")
    expired = _sent(officer, headline="Heat last week")
    Alert.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(hours=1))
    replaced = _sent(officer, headline="Road closed")
    fields, hoods = alert_followup_defaults(replaced, Alert.MsgType.CANCEL)
    alert_send(
        alert=alert_create(
            author=officer,
            fields=fields,
            neighbourhoods=hoods,
            references=replaced,
            msg_type="Cancel",
        ),
        actor=officer,
    )
    page = client_dinan.get("/alerts/").content.decode()
    current_part, past_part = page.split("Past alerts")
    assert current.headline in current_part
    assert "Heat last week" in past_part and "Heat last week" not in current_part
    assert "Cancelled: Road closed" not in current_part
    response = client_dinan.get(f"/alerts/{current.identifier}/")
    assert response.status_code == 200 and current.sms_body in response.content.decode()


def test_atom_feed_lists_current_alerts_with_their_cap_link(officer, client_dinan):
    current = _sent(officer, headline="Storm tonight")
    old = _sent(officer, headline="Old heat")
    Alert.objects.filter(pk=old.pk).update(expires_at=timezone.now() - timedelta(hours=1))
    response = client_dinan.get("/alerts/feed.xml")
    assert response.status_code == 200
    feed = etree.fromstring(response.content)
    atom = {"a": "http://www.w3.org/2005/Atom"}
    titles = feed.xpath("//a:entry/a:title/text()", namespaces=atom)
    assert titles == ["Storm tonight"]
    cap_links = feed.xpath("//a:entry/a:link[@type='application/cap+xml']/@href", namespaces=atom)
    assert cap_links == [f"http://dinan.localhost/alerts/cap/{current.identifier}.xml"]


def test_home_card_shows_alerts_in_force(officer, client_dinan):
    from django.template.loader import render_to_string

    _sent(officer, headline="Storm tonight")
    html = render_to_string("alerts/_home_card.html")
    assert "Storm tonight" in html and "/alerts/subscription/" in html


def test_resident_subscribes_chooses_neighbourhoods_pauses_and_leaves(client_dinan, in_dinan):
    river = neighbourhood("River")
    resident = make_user("res@example.org", phone="+33612345678", phone_confirmed_at=timezone.now())
    client_dinan.login_as(resident)
    # Shown the way a resident of the council's region writes it.
    page = client_dinan.get("/alerts/subscription/").content.decode()
    assert "Alerts go to 06 12 34 56 78" in page
    response = client_dinan.post(
        "/alerts/subscription/", {"where": "neighbourhoods", "neighbourhoods": [river.pk]}
    )
    assert response.status_code == 302
    subscription = AlertSubscription.objects.get(user=resident)
    assert not subscription.whole_council
    assert list(subscription.neighbourhoods.all()) == [river]
    client_dinan.post("/alerts/subscription/pause/", {"paused": "1"})
    subscription.refresh_from_db()
    assert subscription.paused
    client_dinan.post("/alerts/subscription/", {"where": "council"})
    subscription.refresh_from_db()
    assert subscription.whole_council and subscription.paused  # the choice keeps the pause
    client_dinan.post("/alerts/subscription/leave/")
    assert not AlertSubscription.objects.filter(user=resident).exists()


def test_subscription_needs_a_confirmed_phone(client_dinan, in_dinan):
    resident = make_user("noconf@example.org", phone="0612345678")
    client_dinan.login_as(resident)
    response = client_dinan.post("/alerts/subscription/", {"where": "council"})
    assert response.status_code == 400
    assert "Confirm your mobile phone number" in response.content.decode()
    assert not AlertSubscription.objects.filter(user=resident).exists()


def test_subscription_page_needs_sign_in(client_dinan):
    response = client_dinan.get("/alerts/subscription/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_subscription_page_says_when_the_number_replied_stop(client_dinan, in_dinan):
    from alerts.models import OptOut, optout_hash

    resident = subscriber("stopped@example.org", whole_council=True)
    OptOut.objects.create(
        phone_hash=optout_hash(resident.phone), source="sms_reply", keyword="STOP"
    )
    client_dinan.login_as(resident)
    assert "replied STOP" in client_dinan.get("/alerts/subscription/").content.decode()


@pytest.mark.parametrize("required", [False, True])
def test_council_may_reserve_alerts_to_verified_residents(client_dinan, in_dinan, required):
    from community.models import CommunitySettings, Residence, Status

    settings = CommunitySettings.load()
    settings.require_neighbourhood_alerts = required
    settings.save()
    river = neighbourhood("River")
    resident = make_user("res@example.org", phone="+33612345678", phone_confirmed_at=timezone.now())
    client_dinan.login_as(resident)

    page = client_dinan.get("/alerts/subscription/").content.decode()
    assert ("whose address is verified" in page) is required
    # In the page's content (the site menu links to /verify/ on every page).
    assert ('href="/verify/"' in page.split('<main id="main"')[1]) is required
    response = client_dinan.post(
        "/alerts/subscription/", {"where": "neighbourhoods", "neighbourhoods": [river.pk]}
    )
    assert AlertSubscription.objects.filter(user=resident).exists() is not required
    if required:
        assert response.status_code == 403
        assert "verify your address first" in response.content.decode()
        with pytest.raises(PermissionDenied, match="verify your address"):
            subscription_save(user=resident, whole_council=True)

        # Once the address is verified, the same resident subscribes.
        Residence.objects.update_or_create(user=resident, defaults={"status": Status.VERIFIED})
        response = client_dinan.post(
            "/alerts/subscription/", {"where": "neighbourhoods", "neighbourhoods": [river.pk]}
        )
        assert response.status_code == 302
        assert AlertSubscription.objects.filter(user=resident).exists()
    else:
        assert response.status_code == 302
