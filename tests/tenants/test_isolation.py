"""A council's users, sessions, objects, cached values, files and tasks are invisible to another."""

from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models import Max
from django_tenants.utils import tenant_context

from accounts.models import User
from tests.conftest import PASSWORD, CouncilClient, make_user


def test_account_of_one_council_cannot_log_in_at_another(resident, client_saint_malo):
    response = client_saint_malo.post(
        "/accounts/login/", {"email": resident.email, "password": PASSWORD}
    )
    assert response.status_code == 400
    assert "_auth_user_id" not in client_saint_malo.session


def test_same_email_is_two_unrelated_accounts(dinan, saint_malo):
    with tenant_context(dinan):
        mine = make_user("same@example.org", full_name="At Dinan")
    with tenant_context(saint_malo):
        theirs = make_user("same@example.org", full_name="At Saint-Malo")
        assert User.objects.get(email="same@example.org").full_name == "At Saint-Malo"
    with tenant_context(dinan):
        assert User.objects.get(email="same@example.org").full_name == "At Dinan"
    assert (mine.pk, theirs.pk) is not None


def test_session_cookie_from_one_council_is_not_accepted_at_another(resident, dinan, saint_malo):
    client = CouncilClient(dinan)
    assert (
        client.post("/accounts/login/", {"email": resident.email, "password": PASSWORD}).status_code
        == 302
    )
    assert client.get("/accounts/profile/").status_code == 200
    stolen = client.cookies["commune_session"].value

    elsewhere = CouncilClient(saint_malo)
    elsewhere.cookies["commune_session"] = stolen
    response = elsewhere.get("/accounts/profile/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    # even when a user with the same primary key exists there
    with tenant_context(saint_malo):
        assert User.objects.filter(pk=resident.pk).exists() or make_user("pk@x.org")
    assert elsewhere.get("/accounts/profile/").status_code == 302


def test_object_of_one_council_is_invisible_in_another(resident, saint_malo):
    with tenant_context(saint_malo):
        assert not User.objects.filter(email=resident.email).exists()


def test_cached_value_is_per_council(dinan, saint_malo):
    with tenant_context(dinan):
        cache.set("greeting", "bonjour Dinan")
    with tenant_context(saint_malo):
        assert cache.get("greeting") is None
        cache.set("greeting", "bonjour Saint-Malo")
    with tenant_context(dinan):
        assert cache.get("greeting") == "bonjour Dinan"


def test_uploaded_file_is_stored_and_served_per_council(dinan, saint_malo):
    with tenant_context(dinan):
        name = default_storage.save("branding/secret.txt", ContentFile(b"dinan only"))
        url = default_storage.url(name)
        path = Path(default_storage.path(name))
    try:
        assert "/dinan/" in str(path) and url.startswith("/media/dinan/")
        with tenant_context(saint_malo):
            assert not default_storage.exists(name)
        assert CouncilClient(dinan).get(url).status_code == 200
        assert CouncilClient(saint_malo).get(url).status_code == 404
        forged = url.replace("/media/dinan/", "/media/saint_malo/../dinan/")
        assert CouncilClient(saint_malo).get(forged).status_code == 404
    finally:
        path.unlink()


@pytest.mark.live
def test_celery_task_runs_in_its_councils_schema(committed_db, live_celery, worker_outbox):
    """Users with the same primary key at two councils: the worker sends each confirmation email
    to the user of the council that enqueued the task, so each task ran in its own schema."""
    from accounts.tasks import send_email_confirmation
    from tenants.models import Council

    councils = [Council.objects.get(slug="dinan"), Council.objects.get(slug="saint-malo")]
    emails = ["celery-dinan@example.org", "celery-malo@example.org"]
    top = 0
    for council in councils:
        with tenant_context(council):
            top = max(top, User.objects.aggregate(top=Max("pk"))["top"] or 0)
    pk = top + 1000
    try:
        for council, email in zip(councils, emails, strict=True):
            with tenant_context(council):
                User.objects.create_user(email, PASSWORD, full_name=email, id=pk)
                send_email_confirmation.delay(pk)
        sent = worker_outbox.wait_for(2)
        by_recipient = {email: [m for m in sent if f"To: {email}" in m] for email in emails}
        assert (
            len(by_recipient[emails[0]]) == 1 and "//dinan.localhost" in by_recipient[emails[0]][0]
        )
        assert (
            len(by_recipient[emails[1]]) == 1
            and "//saint-malo.localhost" in by_recipient[emails[1]][0]
        )
    finally:
        for council, email in zip(councils, emails, strict=True):
            with tenant_context(council):
                User.objects.filter(email=email).delete()
