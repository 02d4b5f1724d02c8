"""The alerts API."""

import pytest
from django_tenants.utils import tenant_context

from alerts.models import Alert
from alerts.selectors import alert_settings
from tests.conftest import CouncilClient, make_user

from .conftest import neighbourhood, subscriber

NEW = {
    "headline": "Flood warning",
    "event": "Flood",
    "sms_body": "Flood: keep away.",
    "whole_council": True,
    "language": "en",
    "severity": "Severe",
}


@pytest.fixture
def officer(in_dinan):
    return make_user("officer@dinan.example", "communications_officer")


@pytest.fixture
def api(client_dinan, officer):
    return client_dinan.login_as(officer)


def _post(client, path, data=None):
    return client.post(path, data or {}, content_type="application/json")


def test_create_edit_approve_send_and_follow_progress(
    api, officer, client_dinan, twilio, django_capture_on_commit_callbacks
):
    config = alert_settings()
    config.require_approval = True
    config.save()
    river = neighbourhood("River")
    phones = {subscriber(f"a{i}@example.org", neighbourhoods=[river]).phone for i in range(2)}
    subscriber("other@example.org", neighbourhoods=[neighbourhood("Hill")])

    created = _post(
        api, "/api/v1/alerts/", {**NEW, "whole_council": False, "neighbourhoods": [river.pk]}
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert created.json()["state"] == "draft" and created.json()["identifier"].startswith(
        "commune-"
    )
    patched = api.patch(
        f"/api/v1/alerts/{pk}/",
        {"sms_body": "Flood: move upstairs."},
        content_type="application/json",
    )
    assert patched.status_code == 200 and patched.json()["neighbourhoods"] == [river.pk]

    assert _post(api, f"/api/v1/alerts/{pk}/send/").status_code == 403  # not approved
    assert _post(api, f"/api/v1/alerts/{pk}/approve/").status_code == 403  # own alert
    admin = make_user("admin@dinan.example", "council_admin")
    approver = CouncilClient(client_dinan.council).login_as(admin)
    assert _post(approver, f"/api/v1/alerts/{pk}/approve/").json()["state"] == "approved"
    with django_capture_on_commit_callbacks(execute=True):
        sent = _post(api, f"/api/v1/alerts/{pk}/send/")
    assert sent.status_code == 200 and sent.json()["recipient_count"] == 2
    progress = api.get(f"/api/v1/alerts/{pk}/progress/").json()
    assert progress["complete"] and progress["counts"]["accepted"] == 2
    assert {m["to"] for m in twilio.state()["messages"]} == phones
    assert _post(api, f"/api/v1/alerts/{pk}/send/").status_code == 400  # not twice


def test_update_and_cancel_reference_the_sent_alert(api, officer):
    from alerts.services import alert_send

    pk = _post(api, "/api/v1/alerts/", NEW).json()["id"]
    alert_send(alert=Alert.objects.get(pk=pk), actor=officer)
    update = _post(
        api, f"/api/v1/alerts/{pk}/update/", {"headline": "Flood: worse", "severity": "Extreme"}
    )
    assert update.status_code == 201, update.content
    assert update.json()["msg_type"] == "Update"
    assert update.json()["references"] == Alert.objects.get(pk=pk).identifier
    assert update.json()["sms_body"] == NEW["sms_body"]  # the original's unless given
    cancel = _post(api, f"/api/v1/alerts/{pk}/cancel/")
    assert cancel.json()["msg_type"] == "Cancel" and cancel.json()["response_type"] == "AllClear"
    draft_pk = _post(api, "/api/v1/alerts/", NEW).json()["id"]
    assert _post(api, f"/api/v1/alerts/{draft_pk}/cancel/").status_code == 400  # not sent


def test_invalid_alert_is_refused(api):
    response = _post(api, "/api/v1/alerts/", {**NEW, "whole_council": False})
    assert response.status_code == 400 and "neighbourhoods" in response.json()
    assert _post(api, "/api/v1/alerts/", {**NEW, "severity": "Apocalyptic"}).status_code == 400


def test_roles_and_councils_are_enforced(client_dinan, officer, saint_malo):
    pk = _post(
        CouncilClient(client_dinan.council).login_as(officer), "/api/v1/alerts/", NEW
    ).json()["id"]
    resident = make_user("resident@example.org")
    assert client_dinan.login_as(resident).get("/api/v1/alerts/").status_code == 403
    with tenant_context(saint_malo):
        malo = make_user("officer@saint-malo.example", "communications_officer")
    other = CouncilClient(saint_malo).login_as(malo)
    assert other.get("/api/v1/alerts/").json() == []
    assert other.get(f"/api/v1/alerts/{pk}/").status_code == 404
    assert _post(other, f"/api/v1/alerts/{pk}/send/").status_code == 404
    assert Alert.objects.get(pk=pk).state == "draft"


def test_token_authentication(client_dinan, officer):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=officer)
    response = client_dinan.get("/api/v1/alerts/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200


def test_openapi_schema_documents_the_alerts_api(client_dinan, officer):
    schema = client_dinan.login_as(officer).get("/api/schema/").content.decode()
    for path in (
        "/api/v1/alerts/",
        "/api/v1/alerts/{id}/approve/",
        "/api/v1/alerts/{id}/send/",
        "/api/v1/alerts/{id}/update/",
        "/api/v1/alerts/{id}/cancel/",
        "/api/v1/alerts/{id}/progress/",
    ):
        assert path in schema
