"""The resident site's permanent menu, built from the feature apps' entries."""

from tests.conftest import CouncilClient


def test_visitors_see_the_features_and_residents_their_account_pages(dinan, resident):
    client = CouncilClient(dinan)
    page = client.get("/reports/").content.decode()
    menu = page.split('aria-label="Main menu"')[1].split("</nav>")[0]
    for href in ('href="/reports/new/"', 'href="/reports/map/"', 'href="/alerts/"'):
        assert href in menu
    assert 'href="/phone/"' not in menu  # account pages once signed in

    page = client.login_as(resident).get("/phone/").content.decode()
    menu = page.split('aria-label="Main menu"')[1].split("</nav>")[0]
    for href in ("/accounts/profile/", "/verify/", "/alerts/subscription/", "/my-data/"):
        assert f'href="{href}"' in menu
    assert 'href="/phone/" aria-current="page"' in menu


def test_after_login_staff_land_on_the_portal_and_residents_where_they_were(dinan, resident, agent):
    from tests.conftest import PASSWORD

    staff = CouncilClient(dinan).post(
        "/accounts/login/", {"email": agent.email, "password": PASSWORD}
    )
    assert staff["Location"] == "/staff/"
    page = CouncilClient(dinan).get("/reports/map/").content.decode()
    assert 'href="/accounts/login/?next=/reports/map/"' in page
    back = CouncilClient(dinan).post(
        "/accounts/login/?next=/reports/map/", {"email": resident.email, "password": PASSWORD}
    )
    assert back["Location"] == "/reports/map/"
