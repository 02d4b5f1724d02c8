"""The resident site: "verify my address", vouching pages, postcard code page, home card."""

import re

from community import selectors, services
from community.models import Neighbourhood, Status
from community.services.postcard import DAILY_ATTEMPTS
from community.views import LOOKUPS_PER_HOUR
from tests.conftest import CouncilClient

from .conftest import residence


def test_verify_page_needs_sign_in(client_dinan, in_dinan):
    response = client_dinan.get("/verify/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_verify_page_explains_methods_and_shows_status(client_dinan, resident):
    client = client_dinan.login_as(resident)
    page = client.get("/verify/").content.decode()
    assert "Not verified" in page and "Give my address" in page
    Neighbourhood.objects.create(name="Saint-Sauveur")
    response = client.post(
        "/verify/address/",
        {
            "address_line1": "5 rue de l'Apport",
            "postcode": "22100",
            "city": "Dinan",
            "neighbourhood": Neighbourhood.objects.get().pk,
        },
    )
    assert response.status_code == 302
    page = client.get("/verify/").content.decode()
    for method in ("Neighbours vouch for me", "Send a proof of address", "Receive a code by post"):
        assert method in page
    assert "Saint-Sauveur" in page


def test_disabled_method_is_not_offered(client_dinan, pending_resident, council_admin):
    services.community_settings_update(acting=council_admin, postcard_enabled=False)
    page = client_dinan.login_as(pending_resident).get("/verify/").content.decode()
    assert "Receive a code by post" not in page
    client_dinan.post("/verify/postcard/")
    assert residence(pending_resident).status == Status.UNVERIFIED


def test_cooptation_through_the_pages(client_dinan, pending_resident, neighbours):
    me = client_dinan.login_as(pending_resident)
    me.post("/verify/neighbours/")
    page = me.get("/verify/").content.decode()
    code = re.search(r'id="request-code">([0-9A-Z]{4}-[0-9A-Z]{4})<', page).group(1)
    first = CouncilClient(client_dinan.council).login_as(neighbours[0])
    found = first.post("/verify/vouch/", {"code": code.lower()})
    assert found.status_code == 302
    confirm = first.get(found["Location"]).content.decode()
    assert pending_resident.full_name in confirm and "3 rue du Jerzual" in confirm
    first.post(found["Location"])
    second = CouncilClient(client_dinan.council).login_as(neighbours[1])
    second.post(found["Location"])
    assert selectors.is_verified(pending_resident)
    assert "Verified" in me.get("/verify/").content.decode()


def test_unverified_visitor_sees_no_vouch_button(client_dinan, pending_resident, in_dinan):
    from tests.conftest import make_user

    request = services.cooptation_request_open(user=pending_resident)
    stranger = CouncilClient(client_dinan.council).login_as(make_user("x@example.org"))
    page = stranger.get(f"/verify/vouch/{request.request_code}/").content.decode()
    assert "Only residents whose own address is verified can vouch." in page
    stranger.post(f"/verify/vouch/{request.request_code}/")
    assert request.vouches.count() == 0


def test_code_lookups_are_rate_limited(client_dinan, neighbours):
    client = client_dinan.login_as(neighbours[0])
    for _ in range(LOOKUPS_PER_HOUR):
        assert client.post("/verify/vouch/", {"code": "ABCD-EFGH"}).status_code == 404
    assert client.post("/verify/vouch/", {"code": "ABCD-EFGH"}).status_code == 429


def test_invitation_through_the_pages(client_dinan, pending_resident, neighbours):
    inviter = client_dinan.login_as(neighbours[0])
    page = inviter.post("/verify/invite/").content.decode()
    link = re.search(r'value="(http://dinan\.localhost/verify/invitation/[^"]+)"', page).group(1)
    path = link.replace("http://dinan.localhost", "")
    invited = CouncilClient(client_dinan.council).login_as(pending_resident)
    assert neighbours[0].full_name in invited.get(path).content.decode()
    assert invited.post(path).status_code == 302
    assert invited.get(path).status_code == 404  # used


def test_postcard_code_page(client_dinan, pending_resident, staff):
    me = client_dinan.login_as(pending_resident)
    me.post("/verify/postcard/")
    batch = services.postcard_batch_create(acting=staff)
    [(_request, code)] = services.postcard_batch_issue_codes(acting=staff, batch=batch)
    services.postcard_batch_mark_posted(acting=staff, batch=batch)
    assert "Enter my code" in me.get("/verify/").content.decode()
    wrong = me.post("/verify/code/", {"code": "0000-0000" if code != "00000000" else "1111-1111"})
    assert wrong.status_code == 400 and "4 attempts left" in wrong.content.decode()
    assert me.post("/verify/code/", {"code": code}).status_code == 302
    assert selectors.is_verified(pending_resident)


def test_postcard_code_page_answers_429_past_the_daily_limit(client_dinan, pending_resident):
    me = client_dinan.login_as(pending_resident)
    for _ in range(DAILY_ATTEMPTS):
        me.post("/verify/code/", {"code": "ABCD-EFGH"})
    limited = me.post("/verify/code/", {"code": "ABCD-EFGH"})
    assert limited.status_code == 429 and "Too many attempts today" in limited.content.decode()


def test_home_card_follows_the_residents_status(client_dinan, resident, staff):
    assert "Residents who show they live here" in client_dinan.get("/").content.decode()
    client = client_dinan.login_as(resident)
    assert "Verify my address" in client.get("/").content.decode()
    from .conftest import declare

    declare(resident)
    services.resident_verify_in_person(acting=staff, resident=resident)
    assert "Your address is verified." in client.get("/").content.decode()


def test_dashboard_shows_verification_counts_to_verifiers(
    client_dinan, pending_resident, agent, communications_officer
):
    services.postcard_request(user=pending_resident)
    page = client_dinan.login_as(agent).get("/staff/").content.decode()
    assert "Address verification" in page and "1 postcard to print" in page
    other = CouncilClient(client_dinan.council).login_as(communications_officer)
    assert "Address verification" not in other.get("/staff/").content.decode()


def test_my_data_page(client_dinan, resident):
    page = client_dinan.login_as(resident).get("/my-data/").content.decode()
    assert "/my-data/export.json" in page and "/accounts/delete/" in page


def test_invitation_without_address_comes_back_after_declaring(client_dinan, resident, neighbours):
    _invitation, token = services.cooptation_invitation_create(inviter=neighbours[0])
    path = f"/verify/invitation/{token}/"
    client = client_dinan.login_as(resident)
    assert "First tell us your address" in client.get(path).content.decode()
    saved = client.post(
        f"/verify/address/?next={path}",
        {"address_line1": "1 rue Michel", "postcode": "22100", "city": "Dinan"},
    )
    assert saved["Location"] == path
    unsafe = client.post(
        "/verify/address/?next=https://evil.example/",
        {"address_line1": "1 rue Michel", "postcode": "22100", "city": "Dinan"},
    )
    assert unsafe["Location"] == "/verify/"
    assert client.post(path).status_code == 302
    assert services.vouches_given_recently(neighbours[0]) == 1
