"""The staff audit log page and its CSV export: council admins only, one council's log each."""

import csv
import io

import pytest
from django.db import connection

from core.audit import audit_record


@pytest.fixture
def entries(council_admin, moderator, resident):
    first = audit_record(
        actor=council_admin,
        action="accounts.staff_roles_set",
        target=moderator,
        before={"roles": []},
        after={"roles": ["moderator"]},
    )
    second = audit_record(
        actor=moderator, action="civic.category_update", target=None, data={"name": "=cmd"}
    )
    return first, second


def test_a_council_admin_reads_and_filters_the_log(client_dinan, council_admin, entries):
    client_dinan.login_as(council_admin)
    page = client_dinan.get("/staff/audit/")
    assert page.status_code == 200
    assert b"accounts.staff_roles_set" in page.content
    assert b"civic.category_update" in page.content
    filtered = client_dinan.get("/staff/audit/", {"app": "civic"})
    assert b"civic.category_update" in filtered.content
    assert b"<code>accounts.staff_roles_set</code>" not in filtered.content
    by_actor = client_dinan.get("/staff/audit/", {"actor": str(council_admin.pk)})
    assert b"<code>civic.category_update</code>" not in by_actor.content


def test_bad_filters_are_ignored_not_an_error(client_dinan, council_admin, entries):
    client_dinan.login_as(council_admin)
    response = client_dinan.get(
        "/staff/audit/", {"since": "2026-13-45", "actor": "abc", "page": "999"}
    )
    assert response.status_code == 200


def test_the_csv_export_holds_the_filtered_entries_with_guarded_text(
    client_dinan, council_admin, entries
):
    client_dinan.login_as(council_admin)
    response = client_dinan.get("/staff/audit.csv", {"app": "civic"})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:4] == ["time", "actor_id", "actor", "action"]
    assert [row[3] for row in rows[1:]] == ["civic.category_update"]
    assert rows[1][9] == '{"name": "=cmd"}'  # JSON text starts with {, not a formula


@pytest.mark.parametrize(
    "persona", ["moderator", "agent", "communications_officer", "elected_official", "resident"]
)
@pytest.mark.parametrize("path", ["/staff/audit/", "/staff/audit.csv"])
def test_other_roles_are_refused(client_dinan, request, persona, path, entries):
    client_dinan.login_as(request.getfixturevalue(persona))
    assert client_dinan.get(path).status_code == 403


def test_anonymous_visitors_are_sent_to_login(client_dinan, entries):
    response = client_dinan.get("/staff/audit/")
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_another_council_sees_only_its_own_log(client_saint_malo, saint_malo, entries, in_dinan):
    from tests.conftest import make_user

    connection.set_tenant(saint_malo)
    admin = make_user("admin-audit@saint-malo.example", "council_admin")
    client_saint_malo.login_as(admin)
    page = client_saint_malo.get("/staff/audit/")
    assert page.status_code == 200
    assert b"accounts.staff_roles_set" not in page.content
    # Saint-Malo's admin session means nothing on Dinan's host.
    from tenants.models import Council
    from tests.conftest import CouncilClient

    dinan_client = CouncilClient(Council.objects.get(slug="dinan"))
    dinan_client.cookies = client_saint_malo.cookies
    assert dinan_client.get("/staff/audit/").status_code == 302
