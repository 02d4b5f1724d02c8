import re

import pytest
from django.core import mail
from django_tenants.utils import tenant_context

from accounts.models import User
from tests.conftest import PASSWORD, make_user
from tests.emails import assert_sent_by_council


def _link(message) -> str:
    return re.search(r"https?://\S+", message.body).group(0)


def test_sign_up_sends_a_confirmation_link_that_confirms(
    client_dinan, dinan, django_capture_on_commit_callbacks
):
    # Callbacks run as after the request's commit, in the council's schema.
    with tenant_context(dinan), django_capture_on_commit_callbacks(execute=True):
        response = client_dinan.post(
            "/accounts/signup/",
            {"full_name": "Nina Resident", "email": "Nina@Example.org", "password": PASSWORD},
        )
    assert response.status_code == 302
    with tenant_context(dinan):
        user = User.objects.get(email="nina@example.org")
        assert not user.email_confirmed
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["nina@example.org"]
    link = _link(mail.outbox[0])
    assert link.startswith("http://dinan.localhost/accounts/confirm/")
    client_dinan.get(link.replace("http://dinan.localhost", ""))
    with tenant_context(dinan):
        assert User.objects.get(pk=user.pk).email_confirmed


def test_sign_up_refuses_bad_input_with_messages_and_keeps_what_was_typed(client_dinan, resident):
    response = client_dinan.post(
        "/accounts/signup/", {"full_name": "Someone", "email": resident.email, "password": "123"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "too short" in page and "already" not in page
    assert 'value="Someone"' in page


def test_sign_up_with_a_registered_email_looks_the_same_and_emails_the_owner(
    client_dinan, dinan, resident, django_capture_on_commit_callbacks
):
    """Sign-up does not tell who is registered: the answer is the one a new address gets, and
    the owner of the address learns how to sign in or reset the password."""
    answers = []
    for email in ("newcomer@example.org", resident.email.upper()):
        with tenant_context(dinan), django_capture_on_commit_callbacks(execute=True):
            response = client_dinan.post(
                "/accounts/signup/",
                {"full_name": "Someone", "email": email, "password": PASSWORD},
                follow=True,
            )
        page = response.content.decode()
        # The page itself differs only by its per-request tokens (CSRF, CSP nonce).
        answers.append((response.status_code, response.redirect_chain, len(page)))
        assert "We have sent you an email" in page
    assert answers[0] == answers[1]
    assert "_auth_user_id" not in client_dinan.session
    notice = mail.outbox[-1]
    assert notice.to == [resident.email] and "/accounts/login/" in notice.body
    assert "/accounts/password/reset/" in notice.body
    with tenant_context(dinan):
        assert User.objects.get(email=resident.email).full_name != "Someone"
    # In the council's name, replies to the council.
    assert notice.from_email.startswith("Dinan <")
    assert_sent_by_council(notice, dinan)


def test_notices_to_a_registered_address_are_limited(
    client_dinan, dinan, resident, django_capture_on_commit_callbacks
):
    for _ in range(5):
        with tenant_context(dinan), django_capture_on_commit_callbacks(execute=True):
            client_dinan.post(
                "/accounts/signup/",
                {"full_name": "Someone", "email": resident.email, "password": PASSWORD},
            )
    assert len(mail.outbox) == 3


def test_confirmation_link_of_one_council_does_not_confirm_at_another(
    dinan, saint_malo, client_saint_malo
):
    from accounts.services import email_confirmation_token

    with tenant_context(dinan):
        token = email_confirmation_token(make_user("x@example.org", email_confirmed=False))
    with tenant_context(saint_malo):
        twin = make_user("x@example.org", email_confirmed=False)
    assert client_saint_malo.get(f"/accounts/confirm/{token}/").status_code == 400
    with tenant_context(saint_malo):
        assert not User.objects.get(pk=twin.pk).email_confirmed


def test_login_and_logout(client_dinan, resident):
    response = client_dinan.post(
        "/accounts/login/", {"email": "RESIDENT@example.org", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client_dinan.get("/accounts/profile/").status_code == 200
    client_dinan.post("/accounts/logout/")
    assert client_dinan.get("/accounts/profile/").status_code == 302


def test_login_next_does_not_redirect_off_site(client_dinan, resident):
    response = client_dinan.post(
        "/accounts/login/?next=https://evil.example/",
        {"email": resident.email, "password": PASSWORD},
    )
    assert response["Location"] == "/"


def test_repeated_failed_logins_are_throttled_per_council(
    client_dinan, client_saint_malo, resident, saint_malo
):
    for _attempt in range(5):
        assert (
            client_dinan.post(
                "/accounts/login/", {"email": resident.email, "password": "wrong"}
            ).status_code
            == 400
        )
    locked = client_dinan.post("/accounts/login/", {"email": resident.email, "password": PASSWORD})
    assert locked.status_code == 429
    assert "_auth_user_id" not in client_dinan.session
    # the same email at another council is not locked by Dinan's failures
    with tenant_context(saint_malo):
        make_user(resident.email)
    assert (
        client_saint_malo.post(
            "/accounts/login/", {"email": resident.email, "password": PASSWORD}
        ).status_code
        == 302
    )


def test_password_reset_by_email(client_dinan, resident, dinan):
    client_dinan.post("/accounts/password/reset/", {"email": resident.email})
    assert len(mail.outbox) == 1
    link = _link(mail.outbox[0]).replace("http://dinan.localhost", "")
    form_url = client_dinan.get(link, follow=True).redirect_chain[-1][0]
    response = client_dinan.post(
        form_url, {"new_password1": "brand-new-pass-42", "new_password2": "brand-new-pass-42"}
    )
    assert response.status_code == 302
    with tenant_context(dinan):
        assert User.objects.get(pk=resident.pk).check_password("brand-new-pass-42")
    # the link is single-use
    assert "not valid" in client_dinan.get(link, follow=True).content.decode()


def test_profile_edit_changes_email_and_asks_for_confirmation(
    client_dinan, resident, dinan, django_capture_on_commit_callbacks
):
    client_dinan.login_as(resident)
    # Callbacks run as after the request's commit, in the council's schema.
    with tenant_context(dinan), django_capture_on_commit_callbacks(execute=True):
        response = client_dinan.post(
            "/accounts/profile/",
            {
                "full_name": "Renamed",
                "email": "new@example.org",
                "phone": "+33 6 12 34 56 78",
                "language": "en",
            },
        )
    assert response.status_code == 302
    with tenant_context(dinan):
        user = User.objects.get(pk=resident.pk)
    assert (user.full_name, user.email, user.email_confirmed, user.language) == (
        "Renamed",
        "new@example.org",
        False,
        "en",
    )
    assert mail.outbox[-1].to == ["new@example.org"]


def test_phone_page_refuses_a_bad_phone_number(client_dinan, resident):
    client_dinan.login_as(resident)
    response = client_dinan.post("/phone/", {"phone": "call me", "send": "1"})
    assert response.status_code == 400
    assert "Enter a valid phone number, e.g. 06 12 34 56 78." in response.content.decode()


def test_resident_deletes_their_account(client_dinan, resident, dinan):
    client_dinan.login_as(resident)
    assert client_dinan.post("/accounts/delete/", {"password": "nope"}).status_code == 200
    assert client_dinan.post("/accounts/delete/", {"password": PASSWORD}).status_code == 302
    with tenant_context(dinan):
        assert not User.objects.filter(pk=resident.pk).exists()
    assert client_dinan.get("/accounts/profile/").status_code == 302


@pytest.mark.parametrize(
    "persona", ["council_admin", "moderator", "agent", "communications_officer", "elected_official"]
)
def test_every_staff_role_reaches_the_dashboard(client_dinan, persona, request):
    user = request.getfixturevalue(persona)
    client_dinan.login_as(user)
    assert client_dinan.get("/staff/").status_code == 200


def test_staff_portal_refuses_residents_and_anonymous(client_dinan, resident):
    assert client_dinan.get("/staff/").status_code == 302
    client_dinan.login_as(resident)
    assert client_dinan.get("/staff/").status_code == 403


def test_session_naming_a_user_of_another_council_is_nobody(
    council_admin, saint_malo, client_saint_malo
):
    """Even a session row at Saint-Malo that names Dinan's admin (same primary key as a
    Saint-Malo account, and that admin's auth hash) authenticates nobody there."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    with tenant_context(saint_malo):
        User.objects.filter(pk=council_admin.pk).delete()
        make_user("same-pk@saint-malo.example", "council_admin", id=council_admin.pk)
        session = SessionStore()
        session.update(
            {
                SESSION_KEY: str(council_admin.pk),
                BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
                HASH_SESSION_KEY: council_admin.get_session_auth_hash(),
            }
        )
        session.save()
    client_saint_malo.cookies["commune_session"] = session.session_key
    assert client_saint_malo.get("/staff/").status_code == 302


def test_navigation_follows_roles(client_dinan, council_admin, agent):
    client_dinan.login_as(agent)
    page = client_dinan.get("/staff/").content.decode()
    assert "/staff/members/" not in page
    assert client_dinan.get("/staff/members/").status_code == 403
    client_dinan.login_as(council_admin)
    assert "/staff/members/" in client_dinan.get("/staff/").content.decode()


def test_council_admin_invites_assigns_and_deactivates_staff(
    client_dinan, council_admin, dinan, django_capture_on_commit_callbacks
):
    client_dinan.login_as(council_admin)
    # Callbacks run as after the request's commit, in the council's schema.
    with tenant_context(dinan), django_capture_on_commit_callbacks(execute=True):
        response = client_dinan.post(
            "/staff/members/",
            {"full_name": "New Agent", "email": "new.agent@dinan.example", "roles": ["agent"]},
        )
    assert response.status_code == 302
    assert mail.outbox[-1].to == ["new.agent@dinan.example"]
    assert "/accounts/password/reset/" in mail.outbox[-1].body
    with tenant_context(dinan):
        member = User.objects.get(email="new.agent@dinan.example")
        assert member.roles == {"agent"}
    client_dinan.post(f"/staff/members/{member.pk}/", {"roles": ["moderator", "agent"]})
    with tenant_context(dinan):
        assert User.objects.get(pk=member.pk).roles == {"moderator", "agent"}
    client_dinan.post(f"/staff/members/{member.pk}/active/", {"active": "0"})
    with tenant_context(dinan):
        assert not User.objects.get(pk=member.pk).is_active


def test_council_admin_cannot_lock_themselves_out(client_dinan, council_admin, dinan):
    client_dinan.login_as(council_admin)
    response = client_dinan.post(f"/staff/members/{council_admin.pk}/", {"roles": ["agent"]})
    assert "cannot remove your own" in response.content.decode()
    client_dinan.post(f"/staff/members/{council_admin.pk}/active/", {"active": "0"})
    with tenant_context(dinan):
        assert User.objects.get(pk=council_admin.pk).is_active


def test_deactivated_account_loses_its_session_and_tokens(
    client_dinan, agent, council_admin, dinan
):
    from tests.conftest import CouncilClient

    agent_client = CouncilClient(dinan)
    agent_client.post("/accounts/login/", {"email": agent.email, "password": PASSWORD})
    assert agent_client.get("/staff/").status_code == 200
    token = agent_client.post(
        "/api/v1/auth/token/",
        {"email": agent.email, "password": PASSWORD},
        content_type="application/json",
    ).json()["token"]
    client_dinan.login_as(council_admin)
    client_dinan.post(f"/staff/members/{agent.pk}/active/", {"active": "0"})
    assert agent_client.get("/staff/").status_code == 302
    assert client_dinan.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token}").status_code == 401
    # reactivated, the account signs in again but the old token stays void
    client_dinan.post(f"/staff/members/{agent.pk}/active/", {"active": "1"})
    assert client_dinan.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token}").status_code == 401


def test_council_admin_edits_council_settings(client_dinan, council_admin, dinan):
    import io

    from PIL import Image

    logo = io.BytesIO()
    Image.new("RGB", (80, 40), "red").save(logo, "PNG")
    logo.seek(0)
    logo.name = "logo.png"
    client_dinan.login_as(council_admin)
    response = client_dinan.post(
        "/staff/settings/",
        {
            "name": "Ville de Dinan",
            "primary_colour": "#aa0000",
            "default_language": "en",
            "languages": ["fr"],
            "timezone": "Europe/Paris",
            "phone_region": "FR",
            "contact_email": "mairie@dinan.example",
            "logo": logo,
        },
    )
    assert response.status_code == 302
    dinan.refresh_from_db()
    assert (dinan.name, dinan.primary_colour, dinan.default_language) == (
        "Ville de Dinan",
        "#aa0000",
        "en",
    )
    assert dinan.offered_languages == ["en", "fr"]
    assert dinan.logo.name.startswith("branding/")
    page = client_dinan.get("/").content.decode()
    assert "Ville de Dinan" in page and "--brand: #aa0000" in page and dinan.logo.url in page
    assert client_dinan.get(dinan.logo.url).status_code == 200
    dinan.logo.delete()


def test_council_settings_refuse_a_non_image_logo(client_dinan, council_admin, dinan):
    import io

    fake = io.BytesIO(b"MZ\x90\x00 not an image")
    fake.name = "logo.png"
    client_dinan.login_as(council_admin)
    response = client_dinan.post(
        "/staff/settings/",
        {
            "name": "Dinan",
            "primary_colour": "#1d4ed8",
            "default_language": "fr",
            "languages": ["fr", "en"],
            "timezone": "Europe/Paris",
            "phone_region": "FR",
            "logo": fake,
        },
    )
    assert response.status_code == 400
    assert "This file is not an accepted image (JPG, PNG)" in response.content.decode()
    dinan.refresh_from_db()
    assert not dinan.logo


def test_agent_cannot_edit_council_settings(client_dinan, agent):
    client_dinan.login_as(agent)
    assert client_dinan.post("/staff/settings/", {"name": "Hacked"}).status_code == 403


def test_council_admins_list_staff_with_their_roles(client_dinan, council_admin, agent):
    """The staff list answered 500 on Python 3.11 (`str in StrEnum` raises TypeError there)."""
    page = client_dinan.login_as(council_admin).get("/staff/members/")
    assert page.status_code == 200
    assert "Agent" in page.content.decode()
