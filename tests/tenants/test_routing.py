from django.db import connection
from django.test.utils import CaptureQueriesContext

from tenants.models import Domain


def test_unknown_host_answers_404_with_a_page(db):
    from django.test import Client

    response = Client(HTTP_HOST="nowhere.localhost").get("/")
    assert response.status_code == 404
    assert (
        b"There is no council at this address" in response.content or b"Aucune" in response.content
    )


def test_council_host_serves_its_branded_site(client_dinan, client_saint_malo):
    assert "Dinan" in client_dinan.get("/").content.decode()
    page = client_saint_malo.get("/").content.decode()
    assert "Saint-Malo" in page and "Dinan" not in page


def test_public_host_serves_the_platform_landing_page(public_client, dinan):
    response = public_client.get("/")
    assert response.status_code == 200
    assert "dinan.localhost" in response.content.decode()


def test_suspended_council_answers_503_even_with_a_warm_cache(client_dinan, dinan):
    assert client_dinan.get("/").status_code == 200  # warms the host cache
    dinan.is_active = False
    dinan.save()
    response = client_dinan.get("/")
    assert response.status_code == 503
    assert response["Retry-After"]
    dinan.is_active = True
    dinan.save()
    assert client_dinan.get("/").status_code == 200


def test_warm_host_lookup_makes_no_query(client_dinan):
    client_dinan.get("/")
    with CaptureQueriesContext(connection) as queries:
        assert client_dinan.get("/").status_code == 200
    routing = [
        q["sql"] for q in queries if "tenants_domain" in q["sql"] or "tenants_council" in q["sql"]
    ]
    assert routing == []


def test_new_domain_is_reachable_at_once_after_a_miss(dinan):
    from tests.conftest import CouncilClient

    client = CouncilClient(dinan)
    client.defaults["HTTP_HOST"] = "mairie-dinan.localhost"
    assert client.get("/").status_code == 404  # caches the miss
    Domain.objects.create(tenant=dinan, domain="mairie-dinan.localhost", is_primary=False)
    assert client.get("/").status_code == 200


def test_renamed_domain_stops_answering(dinan):
    from tests.conftest import CouncilClient

    domain = Domain.objects.create(tenant=dinan, domain="old-dinan.localhost", is_primary=False)
    client = CouncilClient(dinan)
    client.defaults["HTTP_HOST"] = "old-dinan.localhost"
    assert client.get("/").status_code == 200
    domain.domain = "new-dinan.localhost"
    domain.save()
    assert client.get("/").status_code == 404
