import pytest
from django.test import Client
from django_tenants.utils import schema_context, schema_exists

from accounts.models import User
from tenants.models import Council
from tests.conftest import PASSWORD, CouncilClient


@pytest.fixture
def operator_client(db):
    with schema_context("public"):
        operator = User.objects.create_superuser("op@commune.example", PASSWORD, full_name="Op")
    client = Client(HTTP_HOST="localhost")
    client.cookies["commune_language"] = "en"
    client.force_login(operator)
    return client


def test_operator_creates_a_council_in_the_admin(operator_client):
    response = operator_client.post(
        "/admin/tenants/council/add/",
        {
            "name": "Lamballe",
            "slug": "lamballe",
            "domain": "lamballe.localhost",
            "admin_email": "admin@lamballe.example",
            "default_language": "fr",
            "timezone": "Europe/Paris",
        },
        follow=True,
    )
    assert response.status_code == 200
    council = Council.objects.get(slug="lamballe")
    assert schema_exists("lamballe") and council.get_primary_domain().domain == "lamballe.localhost"
    assert "/accounts/password/reset/" in response.content.decode()  # the one-time link shown


def test_admin_refuses_a_taken_slug_with_a_message(operator_client, dinan):
    response = operator_client.post(
        "/admin/tenants/council/add/",
        {
            "name": "Dinan bis",
            "slug": "dinan",
            "domain": "dinan2.localhost",
            "admin_email": "a@x.example",
            "default_language": "fr",
            "timezone": "Europe/Paris",
        },
    )
    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    assert not Council.objects.filter(name="Dinan bis").exists()


def test_operator_suspends_a_council_from_the_admin(operator_client, dinan):
    operator_client.post(
        "/admin/tenants/council/", {"action": "suspend", "_selected_action": [dinan.pk]}
    )
    dinan.refresh_from_db()
    assert not dinan.is_active
    assert CouncilClient(dinan).get("/").status_code == 503


def test_council_accounts_cannot_use_the_platform_admin(resident):
    client = Client(HTTP_HOST="localhost")
    response = client.post(
        "/admin/login/?next=/admin/", {"username": resident.email, "password": PASSWORD}
    )
    assert response.status_code == 200  # the login form again, with an error
    assert client.get("/admin/").status_code == 302


def test_admin_is_not_served_on_council_hosts(client_dinan):
    assert client_dinan.get("/admin/").status_code == 404
