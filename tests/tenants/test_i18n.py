from tests.conftest import CouncilClient


def test_french_is_the_default_language_of_a_french_council(dinan):
    page = CouncilClient(dinan, language="").get("/", HTTP_ACCEPT_LANGUAGE="en-GB,en")
    assert '<html lang="fr">' in page.content.decode()


def test_switching_to_english_sticks(dinan):
    client = CouncilClient(dinan, language="")
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert '<html lang="en">' in client.get("/").content.decode()


def test_english_council_defaults_to_english(dinan):
    dinan.default_language = "en"
    dinan.save()
    page = CouncilClient(dinan, language="").get("/")
    assert '<html lang="en">' in page.content.decode()


def test_resident_language_preference_applies_once_signed_in(dinan, resident):
    resident.language = "en"
    resident.save()
    client = CouncilClient(dinan, language="").login_as(resident)
    assert '<html lang="en">' in client.get("/").content.decode()
