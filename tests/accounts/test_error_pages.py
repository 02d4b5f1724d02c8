"""The 403 page says, in the visitor's language, what to do next."""

from tests.conftest import CouncilClient


def test_a_resident_refused_a_staff_page_reads_why_in_french(dinan, resident):
    client = CouncilClient(dinan, language="fr").login_as(resident)
    response = client.get("/staff/members/")
    assert response.status_code == 403
    page = response.content.decode()
    assert '<html lang="fr">' in page and "Vous ne pouvez pas ouvrir cette page" in page
    assert 'href="/verify/"' in page


def test_staff_without_the_role_are_told_to_ask_an_administrator(dinan, agent):
    response = CouncilClient(dinan).login_as(agent).get("/staff/members/")
    assert response.status_code == 403
    assert "ask a council administrator" in response.content.decode()


def test_an_unknown_address_gets_the_councils_page_in_french(dinan, resident):
    client = CouncilClient(dinan, language="fr").login_as(resident)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert '<html lang="fr">' in page and "Cette page n\u2019existe pas" in page
    assert dinan.name in page and 'href="/"' in page


def test_staff_get_a_way_back_to_the_portal_from_a_missing_page(dinan, agent):
    response = CouncilClient(dinan).login_as(agent).get("/staff/no-such-page/")
    assert response.status_code == 404
    assert 'href="/staff/"' in response.content.decode()
