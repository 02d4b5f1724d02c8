"""Each council's residents, requests, settings and pages are its own."""

from http.cookies import SimpleCookie

from django_tenants.utils import tenant_context

from community import selectors, services
from community.models import CommunitySettings, VerificationRequest
from tests.conftest import CouncilClient, make_user

from .conftest import declare


def test_verification_status_and_settings_are_per_council(resident, staff, saint_malo):
    declare(resident)
    services.resident_verify_in_person(acting=staff, resident=resident)
    services.community_settings_update(acting=staff, require_report_issue=True)
    with tenant_context(saint_malo):
        same_pk = make_user("same-pk@example.org")
        assert not selectors.is_verified(same_pk)
        assert not selectors.verification_required("report_issue")
        assert not CommunitySettings.load().require_report_issue
    assert selectors.verification_required("report_issue")


def test_request_code_of_one_council_is_unknown_at_another(
    pending_resident, saint_malo, neighbours
):
    request = services.cooptation_request_open(user=pending_resident)
    with tenant_context(saint_malo):
        assert services.cooptation_request_by_code(request.request_code) is None
        malo_user = make_user("malo-voucher@example.org")
    client = CouncilClient(saint_malo).login_as(malo_user)
    assert client.get(f"/verify/vouch/{request.request_code}/").status_code == 404


def test_staff_pages_refuse_staff_of_another_council(pending_resident, dinan, saint_malo, staff):
    request = services.postcard_request(user=pending_resident)
    with tenant_context(saint_malo):
        malo_admin = make_user("admin2@saint-malo.example", "council_admin")
    malo = CouncilClient(saint_malo).login_as(malo_admin)
    # Their own portal shows none of Dinan's residents or requests.
    assert pending_resident.email not in malo.get("/staff/community/residents/").content.decode()
    assert "Nothing is waiting." in malo.get("/staff/community/verification/").content.decode()
    assert malo.get(f"/staff/community/verification/{request.pk}/").status_code == 404
    assert (
        malo.post(
            f"/staff/community/verification/{request.pk}/reject/", {"reason": "x"}
        ).status_code
        == 404
    )
    assert malo.post(
        f"/staff/community/residents/{pending_resident.pk}/revoke/", {"reason": "x"}
    ).status_code in (302, 404)
    request.refresh_from_db()
    assert request.status == "requested"
    # Their session does not open Dinan's portal.
    at_dinan = CouncilClient(dinan)
    at_dinan.cookies = SimpleCookie(malo.cookies)
    assert at_dinan.get("/staff/community/verification/").status_code == 302


def test_api_status_of_one_council_is_not_readable_at_another(pending_resident, saint_malo):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=pending_resident)
    response = CouncilClient(saint_malo).get(
        "/api/v1/community/verification/", HTTP_AUTHORIZATION=f"Token {token.key}"
    )
    # An invalid token there (DRF answers 403 because session auth is listed first).
    assert response.status_code in (401, 403)
    assert "status" not in response.json()
    assert VerificationRequest.objects.count() == 0
