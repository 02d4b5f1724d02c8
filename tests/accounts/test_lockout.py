"""Issue 15: failed logins lock an account per source address, never the owner elsewhere, and
a password reset lifts every lock."""

import re

from django.core import mail

from tests.conftest import PASSWORD, CouncilClient


def _login(client, email, password, ip):
    return client.post("/accounts/login/", {"email": email, "password": password}, REMOTE_ADDR=ip)


def test_an_attackers_failures_do_not_lock_the_owner_out(dinan, council_admin):
    attacker, owner = CouncilClient(dinan), CouncilClient(dinan)
    for _attempt in range(10):
        _login(attacker, council_admin.email, "wrong", "203.0.113.9")
    assert _login(attacker, council_admin.email, PASSWORD, "203.0.113.9").status_code == 429
    assert _login(owner, council_admin.email, PASSWORD, "198.51.100.7").status_code == 302


def test_token_api_locks_per_source_too(dinan, council_admin):
    client = CouncilClient(dinan)

    def token(password, ip):
        return client.post(
            "/api/v1/auth/token/",
            {"email": council_admin.email, "password": password},
            content_type="application/json",
            REMOTE_ADDR=ip,
        )

    for _attempt in range(5):
        assert token("wrong", "203.0.113.9").status_code == 400
    assert token(PASSWORD, "203.0.113.9").status_code == 429
    assert token(PASSWORD, "198.51.100.7").status_code == 200


def test_a_password_reset_lifts_the_lock(dinan, resident):
    client = CouncilClient(dinan)
    for _attempt in range(5):
        _login(client, resident.email, "wrong", "192.0.2.1")
    assert _login(client, resident.email, PASSWORD, "192.0.2.1").status_code == 429

    client.post("/accounts/password/reset/", {"email": resident.email})
    link = re.search(r"https?://\S+", mail.outbox[-1].body).group(0)
    link = link.replace("http://dinan.localhost", "")
    form_url = client.get(link, follow=True).redirect_chain[-1][0]
    client.post(
        form_url, {"new_password1": "brand-new-pass-42", "new_password2": "brand-new-pass-42"}
    )

    assert _login(client, resident.email, "brand-new-pass-42", "192.0.2.1").status_code == 302


def test_one_address_guessing_at_many_accounts_is_still_stopped(dinan, in_dinan):
    client = CouncilClient(dinan)
    for n in range(20):
        _login(client, f"guess{n}@example.org", "wrong", "203.0.113.50")
    assert _login(client, "another@example.org", "wrong", "203.0.113.50").status_code == 429
