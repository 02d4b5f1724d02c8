"""The verification API: the resident's own status, staff queue and decisions."""

from django_tenants.utils import tenant_context
from rest_framework.authtoken.models import Token

from community import selectors, services
from community.models import Neighbourhood
from tests.conftest import CouncilClient, make_user

from .conftest import declare, pdf_bytes, upload


def api(client, user):
    token, _ = Token.objects.get_or_create(user=user)
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {token.key}"
    return client


def test_resident_reads_own_status(pending_resident, client_dinan, neighbours):
    request = services.cooptation_request_open(user=pending_resident)
    services.vouch_create(voucher=neighbours[0], request=request)
    data = api(client_dinan, pending_resident).get("/api/v1/community/verification/").json()
    assert data["status"] == "pending"
    assert data["open_requests"] == [
        {**data["open_requests"][0], "method": "cooptation", "vouches": 1}
    ]
    assert "request_code" not in data["open_requests"][0]


def test_status_needs_authentication(client_dinan, in_dinan):
    assert client_dinan.get("/api/v1/community/verification/").status_code in (401, 403)


def test_staff_queue_and_decisions(pending_resident, client_dinan, agent):
    proof = services.proof_submit(user=pending_resident, upload=upload("b.pdf", pdf_bytes()))
    client = api(client_dinan, agent)
    queue = client.get("/api/v1/community/staff/verification-queue/?method=proof").json()
    assert [(item["id"], item["has_document"]) for item in queue] == [(proof.pk, True)]
    assert client.get("/api/v1/community/staff/verification-queue/?method=postcard").json() == []
    response = client.post(f"/api/v1/community/staff/verification-requests/{proof.pk}/approve/")
    assert response.status_code == 200
    assert selectors.is_verified(pending_resident)
    again = client.post(f"/api/v1/community/staff/verification-requests/{proof.pk}/approve/")
    assert again.status_code == 400
    assert again.json() == {"detail": ["Only a pending proof of address can be approved here."]}
    revoke = client.post(
        f"/api/v1/community/staff/residents/{pending_resident.pk}/revoke/",
        {"reason": "Duplicate account."},
        content_type="application/json",
    )
    assert revoke.status_code == 200 and not selectors.is_verified(pending_resident)


def test_staff_reject_needs_reason(pending_resident, client_dinan, agent):
    request = services.postcard_request(user=pending_resident)
    client = api(client_dinan, agent)
    url = f"/api/v1/community/staff/verification-requests/{request.pk}/reject/"
    assert client.post(url, {}, content_type="application/json").status_code == 400
    ok = client.post(url, {"reason": "No such street."}, content_type="application/json")
    assert ok.status_code == 200
    request.refresh_from_db()
    assert request.status == "rejected" and request.reason == "No such street."


def test_residents_and_other_roles_cannot_use_staff_endpoints(
    pending_resident, client_dinan, communications_officer
):
    request = services.postcard_request(user=pending_resident)
    for user in (pending_resident, communications_officer):
        client = api(CouncilClient(client_dinan.council), user)
        assert client.get("/api/v1/community/staff/verification-queue/").status_code == 403
        assert (
            client.post(
                f"/api/v1/community/staff/verification-requests/{request.pk}/reject/",
                {"reason": "x"},
                content_type="application/json",
            ).status_code
            == 403
        )


def test_staff_of_another_council_cannot_decide(pending_resident, saint_malo, client_dinan):
    request = services.postcard_request(user=pending_resident)
    with tenant_context(saint_malo):
        malo_agent = make_user("agent@saint-malo.example", "agent")
        token = Token.objects.create(user=malo_agent)
    malo = CouncilClient(saint_malo)
    malo.defaults["HTTP_AUTHORIZATION"] = f"Token {token.key}"
    assert malo.get("/api/v1/community/staff/verification-queue/").json() == []
    assert (
        malo.post(
            f"/api/v1/community/staff/verification-requests/{request.pk}/reject/",
            {"reason": "x"},
            content_type="application/json",
        ).status_code
        == 404
    )
    # Their token means nothing at Dinan.
    client_dinan.defaults["HTTP_AUTHORIZATION"] = f"Token {token.key}"
    assert client_dinan.get("/api/v1/community/staff/verification-queue/").status_code in (401, 403)
    request.refresh_from_db()
    assert request.status == "requested"


def test_neighbourhoods_and_suggestion(resident, client_dinan):
    square = {
        "type": "Polygon",
        "coordinates": [
            [[-2.06, 48.45], [-2.04, 48.45], [-2.04, 48.46], [-2.06, 48.46], [-2.06, 48.45]]
        ],
    }
    centre = Neighbourhood.objects.create(name="Centre", area=square)
    client = api(client_dinan, resident)
    assert client.get("/api/v1/community/neighbourhoods/").json()[0]["name"] == "Centre"
    hit = client.get("/api/v1/community/neighbourhoods/suggest/?lat=48.455&lon=-2.05").json()
    assert hit["neighbourhood"]["id"] == centre.pk
    miss = client.get("/api/v1/community/neighbourhoods/suggest/?lat=48.6&lon=-2.05").json()
    assert miss["neighbourhood"] is None
    refused = client.get("/api/v1/community/neighbourhoods/suggest/?lat=x")
    assert refused.status_code == 400
    assert refused.json() == {"detail": ["lat and lon are required numbers."]}
    declare(resident)


def test_openapi_schema_lists_the_endpoints(client_dinan, in_dinan):
    schema = client_dinan.get("/api/schema/").content.decode()
    assert "/api/v1/community/verification/" in schema
    assert "/api/v1/community/staff/verification-queue/" in schema
