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


def _profile(client, user, phone):
    return client.login_as(user).post(
        "/accounts/profile/",
        {"full_name": user.full_name, "email": user.email, "phone": phone, "language": ""},
    )


def test_profile_stores_an_overseas_number_in_e164(reunion, client_dinan):
    with tenant_context(reunion):
        resident = make_user("ile@example.org")
    assert _profile(client_dinan, resident, "0692 12 34 56").status_code == 302
    with tenant_context(reunion):
        assert User.objects.get(pk=resident.pk).phone == "+262692123456"
    page = client_dinan.get("/accounts/profile/").content.decode()
    assert 'value="0692 12 34 56"' in page and "e.g. 0692 12 34 56" in page


def test_profile_refuses_a_number_that_does_not_exist(client_dinan, resident):
    response = _profile(client_dinan, resident, "+1234567")
    assert response.status_code == 400
    assert "Enter a valid phone number, e.g. 06 12 34 56 78." in response.content.decode()
    resident.refresh_from_db()
    assert resident.phone == ""


def test_changing_the_number_clears_its_confirmation(client_dinan, in_dinan):
    resident = make_user("r@example.org", phone="+33612345678", phone_confirmed_at=timezone.now())
    # The same number written the national way is the same number: still confirmed.
    assert _profile(client_dinan, resident, "06 12 34 56 78").status_code == 302
    resident.refresh_from_db()
    assert resident.phone_confirmed_at is not None
    assert _profile(client_dinan, resident, "06 12 34 56 79").status_code == 302
    resident.refresh_from_db()
    assert (resident.phone, resident.phone_confirmed_at) == ("+33612345679", None)


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
