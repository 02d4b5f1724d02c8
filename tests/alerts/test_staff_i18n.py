"""The compose page's live counter speaks the council's language (Django's JS catalogue)."""

from tests.conftest import CouncilClient


def test_compose_counter_strings_are_in_the_french_javascript_catalogue(dinan):
    catalogue = CouncilClient(dinan, language="fr").get("/jsi18n/").content.decode()
    assert "hors GSM-7" in catalogue and "destinataires" in catalogue
