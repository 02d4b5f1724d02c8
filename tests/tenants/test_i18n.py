import re
from pathlib import Path

import pytest

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


def test_french_pages_are_translated(dinan):
    page = CouncilClient(dinan, language="").get("/").content.decode()
    assert "Bienvenue à Dinan" in page and "Se connecter" in page


CATALOGUES = ["locale", "civic/locale", "community/locale", "alerts/locale", "reports/locale"]


@pytest.mark.parametrize("where", CATALOGUES)
def test_french_catalogue_has_no_untranslated_or_fuzzy_entry(where):
    """Each catalogue: the project's (templates, config, tenants, accounts) and each app's."""
    folder = Path(__file__).resolve().parents[2] / where / "fr/LC_MESSAGES"
    po_files = sorted(folder.glob("*.po"))  # django.po, and djangojs.po for scripts
    if not po_files and where != "locale":
        pytest.skip(f"{where} has no strings yet")
    assert po_files
    for po_file in po_files:
        entries = po_file.read_text().split("\n\n")[1:]  # the first block is the header
        untranslated = [
            e
            for e in entries
            if e.rstrip().endswith(('msgstr ""', 'msgstr[0] ""', 'msgstr[1] ""', 'msgstr[2] ""'))
        ]
        fuzzy = [e for e in entries if "#, fuzzy" in e]
        assert untranslated == [] and fuzzy == [], po_file
        # Every header line is one "Key: value" field: a re-wrapped Plural-Forms left a stray
        # continuation line behind (merged into the header by msgfmt) in several catalogues.
        header = po_file.read_text().split("\n\n")[0].split('msgstr ""\n', 1)[1]
        strays = [line for line in header.splitlines() if not re.match(r'^"[A-Z][\w-]+: ', line)]
        assert strays == [], po_file


def test_labels_take_a_french_colon_in_french(dinan):
    dinan.contact_email = "mairie@dinan.example"
    dinan.save()
    french = CouncilClient(dinan, language="").get("/").content.decode()
    english = CouncilClient(dinan).get("/").content.decode()
    assert "Contact\u00a0: <a" in french and "Contact: <a" in english


def _served_javascript_catalogue(council) -> tuple[str, dict]:
    """The plural rule and the catalogue that /jsi18n/ serves in French."""
    import json
    import re

    script = CouncilClient(council, language="fr").get("/jsi18n/").content.decode()
    rule = re.search(r"const v = (.*?);\n", script).group(1)
    catalogue = json.loads(re.search(r"const newcatalog = (\{.*?\});\n", script, re.S).group(1))
    return rule, catalogue


def test_every_javascript_plural_has_a_form_for_every_count(dinan):
    """The SMS counter went blank for 2+ segments: Django serves a three-form French rule in
    /jsi18n/ and our catalogue had two forms, so ngettext(…, 2) returned ""."""
    import gettext

    rule, catalogue = _served_javascript_catalogue(dinan)
    plural_index = gettext.c2py(rule)  # the C expression of the header, as Python
    plurals = {key: forms for key, forms in catalogue.items() if isinstance(forms, list)}
    assert plurals, "the alerts catalogue's plural entries are served"
    for key, forms in plurals.items():
        for count in (0, 1, 2, 5, 1_000_000):
            index = plural_index(count)
            assert index < len(forms) and forms[index], (key, count, index)
