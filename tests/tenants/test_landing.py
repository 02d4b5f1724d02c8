"""The platform landing page costs the same few queries whatever the number of councils."""

from django.db import connection, reset_queries
from django.test.utils import CaptureQueriesContext

from tenants import landing
from tenants.models import Council, Domain


def _listed_councils(count: int) -> None:
    """Council rows and their primary domains only: the landing page reads nothing else."""
    councils = Council.objects.bulk_create(
        Council(schema_name=f"listed_{i:03}", slug=f"listed-{i:03}", name=f"Listed {i:03}")
        for i in range(count)
    )
    Domain.objects.bulk_create(
        Domain(tenant=c, domain=f"{c.slug}.localhost", is_primary=True) for c in councils
    )
    landing.landing_forget()  # bulk_create sends no signal


def _queries_for_landing(public_client) -> tuple[int, str]:
    reset_queries()  # a request empties the query log: start from an empty one
    with CaptureQueriesContext(connection) as cold:
        response = public_client.get("/")
    assert response.status_code == 200
    return len(cold), response.content.decode()


def test_landing_page_queries_do_not_grow_with_councils(public_client, dinan):
    _listed_councils(1)  # 3 councils: dinan, saint-malo, one more
    few, page = _queries_for_landing(public_client)
    assert "dinan.localhost" in page and "listed-000.localhost" in page
    Council.objects.filter(slug__startswith="listed-").delete()
    _listed_councils(18)  # 20 councils
    many, page = _queries_for_landing(public_client)
    assert "listed-017.localhost" in page
    assert 0 < many == few <= 4


def test_landing_page_is_cached_until_a_council_changes(public_client, dinan):
    public_client.get("/")
    with CaptureQueriesContext(connection) as warm:
        public_client.get("/")
    assert not [q for q in warm if "tenants_council" in q["sql"]]

    dinan.name = "Dinan-sur-Rance"
    dinan.save()
    assert "Dinan-sur-Rance" in public_client.get("/").content.decode()


def test_landing_page_is_paginated(public_client, dinan):
    _listed_councils(landing.LANDING_PAGE_SIZE + 5)
    first = public_client.get("/").content.decode()
    assert "?page=2" in first and "listed-104.localhost" not in first
    last = public_client.get("/?page=2").content.decode()
    assert "listed-104.localhost" in last and "?page=1" in last
    assert public_client.get("/?page=abc").status_code == 200
    assert "listed-104.localhost" in public_client.get("/?page=999").content.decode()
