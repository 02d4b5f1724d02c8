"""Reporting can be reserved to verified residents (a community setting of the council)."""

from community.models import CommunitySettings
from tests.conftest import make_user


def test_council_can_reserve_reporting_to_verified_residents(client_dinan, in_dinan):
    resident = make_user("unverified@example.org")
    client_dinan.login_as(resident)
    assert client_dinan.get("/reports/new/").status_code == 200
    settings = CommunitySettings.load()
    settings.require_report_issue = True
    settings.save()
    response = client_dinan.get("/reports/new/")
    assert response.status_code == 403
    assert "verify their address" in response.content.decode()


def test_unconfirmed_email_is_asked_to_confirm_first(client_dinan, in_dinan):
    client_dinan.login_as(make_user("unconfirmed@example.org", email_confirmed=False))
    response = client_dinan.get("/reports/new/")
    assert response.status_code == 403 and "confirm your email" in response.content.decode()


def test_verified_resident_reports_when_the_council_requires_verification(client_dinan, in_dinan):
    from tests.community.conftest import verified

    settings = CommunitySettings.load()
    settings.require_report_issue = True
    settings.save()
    client_dinan.login_as(verified("checked@example.org"))
    assert client_dinan.get("/reports/new/").status_code == 200
