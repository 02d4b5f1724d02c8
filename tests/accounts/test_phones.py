"""Phone numbers on the profile: read in the council's region, stored in E.164, shown the way
the council's residents write them; existing numbers migrated the same way."""

import importlib

import pytest
from django.apps import apps
from django.db import connection
from django.utils import timezone
from django_tenants.utils import tenant_context

from accounts.models import User
from tests.conftest import make_user

migration = importlib.import_module("accounts.migrations.0004_phone_numbers_e164")


@pytest.fixture
def reunion(dinan):
    dinan.phone_region = "RE"
    dinan.save(update_fields=["phone_region"])
    return dinan


def _send_code(client, user, phone):
    return client.login_as(user).post("/phone/", {"phone": phone, "send": "1"})


def test_the_phone_page_reads_an_overseas_number_in_the_councils_region(reunion, client_dinan):
    from core import sms

    sms.outbox.clear()
    with tenant_context(reunion):
        resident = make_user("ile@example.org")
    assert _send_code(client_dinan, resident, "0692 12 34 56").status_code == 302
    assert sms.outbox[-1].to == "+262692123456"


def test_the_phone_page_refuses_a_number_that_does_not_exist(client_dinan, resident):
    response = _send_code(client_dinan, resident, "+1234567")
    assert response.status_code == 400
    assert "Enter a valid phone number" in response.content.decode()


def test_the_profile_shows_the_number_and_sends_to_the_one_place_that_confirms_it(
    client_dinan, in_dinan
):
    """The profile no longer edits the number (it saved one without confirming it): it says
    whether it is confirmed and links to /phone/, as the alert pages do."""
    resident = make_user("r@example.org", phone="+33612345678")
    page = client_dinan.login_as(resident).get("/accounts/profile/").content.decode()
    assert "06 12 34 56 78, not confirmed yet" in page
    assert 'href="/phone/?next=/accounts/profile/"' in page and 'name="phone"' not in page
    response = client_dinan.post(
        "/accounts/profile/",
        {"full_name": "R", "email": resident.email, "phone": "06 99 99 99 99", "language": ""},
    )
    assert response.status_code == 302
    resident.refresh_from_db()
    assert resident.phone == "+33612345678" and resident.full_name == "R"
    subscription = client_dinan.get("/alerts/subscription/").content.decode()
    assert 'href="/phone/?next=/alerts/subscription/"' in subscription


def test_migration_reads_stored_numbers_in_the_councils_region(reunion):
    connection.set_tenant(reunion)
    confirmed = timezone.now()
    national = make_user("a@example.org", phone="0692 12 34 56", phone_confirmed_at=confirmed)
    wrong_country = make_user("b@example.org", phone="+33692123457", phone_confirmed_at=confirmed)
    metropolitan = make_user("c@example.org", phone="+33 6 12 34 56 78")
    junk = make_user("d@example.org", phone="call me", phone_confirmed_at=confirmed)
    nothing = make_user("e@example.org")
    with connection.schema_editor() as editor:
        migration.normalise_phones(apps, editor)
    stored = {u.email: (u.phone, u.phone_confirmed_at) for u in User.objects.all()}
    assert stored[national.email] == ("+262692123456", confirmed)
    assert stored[wrong_country.email] == ("+262692123457", confirmed)
    assert stored[metropolitan.email] == ("+33612345678", None)
    assert stored[junk.email] == ("call me", None)
    assert stored[nothing.email] == ("", None)
