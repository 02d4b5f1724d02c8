from django_tenants.utils import tenant_context
from guardian.shortcuts import assign_perm

from accounts.models import User
from tests.conftest import make_user


def test_object_permissions_stay_inside_their_council(dinan, saint_malo):
    """guardian keys permissions on content type + primary key, and primary keys repeat across
    schemas: its tables must be per council (DESIGN.md §2)."""
    with tenant_context(dinan):
        holder = make_user("holder@example.org")
        target = make_user("target@example.org")
        assign_perm("accounts.change_user", holder, target)
        assert holder.has_perm("accounts.change_user", target)
    with tenant_context(saint_malo):
        User.objects.filter(pk__in=[holder.pk, target.pk]).delete()
        twin_holder = make_user("twin-holder@example.org", id=holder.pk)
        twin_target = make_user("twin-target@example.org", id=target.pk)
        assert not twin_holder.has_perm("accounts.change_user", twin_target)


def test_static_assets_are_served_by_the_application(client_dinan):
    page = client_dinan.get("/").content.decode()
    assert 'href="/static/commune/site.css"' in page
    response = client_dinan.get("/static/commune/site.css")
    assert response.status_code == 200
    assert b"--brand" in b"".join(response.streaming_content)


def test_resident_site_has_landmarks_skip_link_and_labels(client_dinan):
    page = client_dinan.get("/accounts/login/").content.decode()
    for landmark in ('role="banner"', '<main id="main"', 'role="contentinfo"', "<nav"):
        assert landmark in page
    assert 'class="skip-link" href="#main"' in page
    assert '<label for="id_email"' in page and '<label for="id_password"' in page
