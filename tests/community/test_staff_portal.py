"""The staff portal pages: queue, review, residents, postcards, neighbourhoods, settings."""

import re

import pytest
from django.core.exceptions import ValidationError

from community import selectors, services
from community.models import CommunitySettings, Neighbourhood, PostcardBatch, Status
from tests.conftest import CouncilClient

from .conftest import declare, pdf_bytes, residence, upload


@pytest.fixture
def staff_client(client_dinan, agent):
    return client_dinan.login_as(agent)


def test_queue_filters_by_method_and_neighbourhood(staff_client, in_dinan):
    from tests.conftest import make_user

    north = Neighbourhood.objects.create(name="Nord")
    south = Neighbourhood.objects.create(name="Sud")
    a = make_user("a@example.org", full_name="Armelle Proof")
    declare(a, neighbourhood=north)
    services.proof_submit(user=a, upload=upload("b.pdf", pdf_bytes()))
    b = make_user("b@example.org", full_name="Bertrand Postcard")
    declare(b, neighbourhood=south)
    services.postcard_request(user=b)

    page = staff_client.get("/staff/community/verification/").content.decode()
    assert "Armelle Proof" in page and "Bertrand Postcard" in page
    assert re.search(r'class="stat">1</span> proof of address to review', page)
    only_proofs = staff_client.get("/staff/community/verification/?method=proof").content.decode()
    assert "Armelle Proof" in only_proofs and "Bertrand Postcard" not in only_proofs
    only_south = staff_client.get(
        f"/staff/community/verification/?neighbourhood={south.pk}"
    ).content.decode()
    assert "Bertrand Postcard" in only_south and "Armelle Proof" not in only_south


def test_review_page_shows_declared_address_next_to_document(staff_client, pending_resident):
    proof = services.proof_submit(user=pending_resident, upload=upload("b.pdf", pdf_bytes()))
    page = staff_client.get(f"/staff/community/verification/{proof.pk}/").content.decode()
    assert "3 rue du Jerzual" in page
    assert f"/staff/community/verification/{proof.pk}/document/" in page
    assert "Approve" in page and "Reject" in page


def test_reject_without_reason_is_refused_in_the_portal(staff_client, pending_resident):
    request = services.postcard_request(user=pending_resident)
    staff_client.post(f"/staff/community/verification/{request.pk}/reject/", {"reason": ""})
    request.refresh_from_db()
    assert request.is_open


def test_resident_search_revoke_and_in_person(staff_client, pending_resident, agent):
    found = staff_client.get("/staff/community/residents/?q=jerzual").content.decode()
    assert pending_resident.email in found
    assert (
        pending_resident.email
        not in staff_client.get("/staff/community/residents/?q=nowhere").content.decode()
    )
    url = f"/staff/community/residents/{pending_resident.pk}/"
    staff_client.post(url + "verify/", {"note": "Tax notice seen at the counter."})
    assert selectors.is_verified(pending_resident)
    page = staff_client.get(url).content.decode()
    assert "In person at the town hall" in page and "Tax notice seen at the counter." in page
    staff_client.post(url + "revoke/", {"reason": "Moved to Lannion."})
    home = residence(pending_resident)
    assert home.status == Status.REVOKED and home.decided_by == agent
    assert "Moved to Lannion." in staff_client.get(url).content.decode()


def test_vouching_graph_page(staff_client, pending_resident, neighbours):
    request = services.cooptation_request_open(user=pending_resident)
    services.vouch_create(voucher=neighbours[0], request=request)
    page = staff_client.get(f"/staff/community/residents/{pending_resident.pk}/").content.decode()
    assert "Vouching graph" in page and neighbours[0].full_name in page
    theirs = staff_client.get(f"/staff/community/residents/{neighbours[0].pk}/").content.decode()
    assert pending_resident.full_name in theirs


def test_postcard_batch_download_and_posting(staff_client, pending_resident):
    services.postcard_request(user=pending_resident)
    assert (
        "1</span> postcard waiting"
        in staff_client.get("/staff/community/postcards/").content.decode()
    )
    response = staff_client.post("/staff/community/postcards/")
    batch = PostcardBatch.objects.get()
    assert response["Location"] == f"/staff/community/postcards/{batch.pk}/"
    # Posting before printing is refused.
    staff_client.post(f"/staff/community/postcards/{batch.pk}/posted/")
    batch.refresh_from_db()
    assert batch.posted_at is None
    assert staff_client.get(f"/staff/community/postcards/{batch.pk}/pdf/").status_code == 405
    pdf = staff_client.post(f"/staff/community/postcards/{batch.pk}/pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    staff_client.post(f"/staff/community/postcards/{batch.pk}/posted/")
    batch.refresh_from_db()
    assert batch.posted_at is not None
    assert batch.requests.get().status == "posted"


def test_verification_pages_need_a_verifying_role(client_dinan, communications_officer, resident):
    for user in (communications_officer, resident):
        client = CouncilClient(client_dinan.council).login_as(user)
        assert client.get("/staff/community/verification/").status_code == 403
        assert client.get("/staff/community/residents/").status_code == 403
        assert client.get("/staff/community/postcards/").status_code == 403
    assert client_dinan.get("/staff/community/verification/").status_code == 302


def test_neighbourhoods_are_managed_by_council_admins(client_dinan, council_admin, agent):
    assert (
        CouncilClient(client_dinan.council)
        .login_as(agent)
        .get("/staff/community/neighbourhoods/")
        .status_code
        == 403
    )
    client = client_dinan.login_as(council_admin)
    bad = client.post(
        "/staff/community/neighbourhoods/",
        {"name": "Port", "area": '{"type": "Polygon", "coordinates": [[[0,0],[1,0],[1,1]]]}'},
    )
    assert bad.status_code == 400 and "at least 4 points" in bad.content.decode()
    area = (
        '{"type": "Polygon", "coordinates": [[[-2.03, 48.45], [-2.02, 48.45], '
        "[-2.02, 48.46], [-2.03, 48.45]]]}"
    )
    assert (
        client.post("/staff/community/neighbourhoods/", {"name": "Port", "area": area}).status_code
        == 302
    )
    port = Neighbourhood.objects.get(name="Port")
    page = client.get("/staff/community/neighbourhoods/").content.decode()
    assert "<svg" in page and "Port" in page
    client.post(f"/staff/community/neighbourhoods/{port.pk}/", {"name": "Le Port", "area": ""})
    port.refresh_from_db()
    assert port.name == "Le Port" and port.area is None


def test_settings_page_is_for_council_admins(client_dinan, council_admin, agent):
    assert (
        CouncilClient(client_dinan.council)
        .login_as(agent)
        .get("/staff/community/settings/")
        .status_code
        == 403
    )
    client = client_dinan.login_as(council_admin)
    form = {
        "vouches_required": 3,
        "vouches_per_30_days": 5,
        "cooptation_days": 20,
        "postcard_validity_days": 45,
        "cooptation_enabled": "on",
        "proof_enabled": "on",
        "require_report_issue": "on",
    }
    assert client.post("/staff/community/settings/", form).status_code == 302
    saved = CommunitySettings.load()
    assert (saved.vouches_required, saved.postcard_validity_days) == (3, 45)
    assert not saved.postcard_enabled and not saved.require_neighbourhood_alerts
    assert saved.require_report_issue
    assert (
        client.post("/staff/community/settings/", {**form, "vouches_required": 0}).status_code
        == 400
    )


def test_portal_navigation_shows_community_sections_by_role(client_dinan, council_admin, agent):
    admin_page = client_dinan.login_as(council_admin).get("/staff/").content.decode()
    for label in (
        "Verification",
        "Residents",
        "Postcards",
        "Neighbourhoods",
        "Verification settings",
    ):
        assert f">{label}</a>" in admin_page
    agent_page = CouncilClient(client_dinan.council).login_as(agent).get("/staff/").content.decode()
    assert ">Verification</a>" in agent_page and ">Neighbourhoods</a>" not in agent_page


def test_settings_page_offers_every_requirement_a_feature_checks(client_dinan, council_admin):
    """Each switch is wired: voting (consultations), mutual aid, group buys, neighbourhood
    alerts and street reports all ask community.selectors.may_use."""
    client = client_dinan.login_as(council_admin)
    page = client.get("/staff/community/settings/").content.decode()
    for name in (
        "require_vote",
        "require_mutual_aid",
        "require_group_buy",
        "require_neighbourhood_alerts",
        "require_report_issue",
    ):
        assert f'name="{name}"' in page
    before = CommunitySettings.load()
    form = {
        "vouches_required": before.vouches_required,
        "vouches_per_30_days": before.vouches_per_30_days,
        "cooptation_days": before.cooptation_days,
        "postcard_validity_days": before.postcard_validity_days,
        "cooptation_enabled": "on",
        "proof_enabled": "on",
        "postcard_enabled": "on",
        "require_vote": "on",  # the others are unchecked boxes
    }
    assert client.post("/staff/community/settings/", form).status_code == 302
    saved = CommunitySettings.load()
    assert (saved.require_vote, saved.require_mutual_aid, saved.require_group_buy) == (
        True,
        False,
        False,
    )


def test_settings_service_refuses_unknown_settings(council_admin):
    with pytest.raises(ValidationError):
        services.community_settings_update(acting=council_admin, require_everything=False)
