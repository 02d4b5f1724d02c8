"""Issue 14, bug 8: counts agree with their noun, adjectives with theirs, one date style per
language, and nothing stays in French in the English interface."""

import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.utils import translation

from tests.conftest import CouncilClient, make_user

ROOT = Path(__file__).resolve().parents[2]
NAMED_FORMATS = {
    "DATE_FORMAT",
    "DATETIME_FORMAT",
    "SHORT_DATE_FORMAT",
    "SHORT_DATETIME_FORMAT",
    "MONTH_DAY_FORMAT",
    "YEAR_MONTH_FORMAT",
    "TIME_FORMAT",
}
# Machine formats, not read by people: ISO 8601 in <time datetime> and form values.
MACHINE_FORMATS = {"c", "Y-m-d", "Y-m-d\\TH:i"}


def _render(template: str, language: str, **context) -> str:
    with translation.override(language):
        return Template("{% load i18n %}" + template).render(Context(context))


def test_dates_are_day_first_with_the_month_in_full_in_both_languages():
    moment = datetime(2026, 12, 1, 14, 30, tzinfo=ZoneInfo("Europe/Paris"))
    long = (
        '{{ d|date:"DATE_FORMAT" }}|{{ d|date:"DATETIME_FORMAT" }}|{{ d|date:"SHORT_DATE_FORMAT" }}'
    )
    assert _render(long, "en", d=moment) == "1 December 2026|1 December 2026, 14:30|01/12/2026"
    assert _render(long, "fr", d=moment) == "1 décembre 2026|1 décembre 2026 à 14:30|01/12/2026"


def test_templates_use_the_named_date_formats_only():
    """A literal format ("j M Y", "N j, Y") would bypass the language's style."""
    found = []
    for template in ROOT.glob("*/templates/**/*.*"):
        if ".venv" in template.parts:
            continue
        for fmt in re.findall(r"\|date:[\"']([^\"']*)[\"']", template.read_text()):
            if fmt not in NAMED_FORMATS | MACHINE_FORMATS:
                found.append(f"{template.relative_to(ROOT)}: {fmt}")
    for template in (ROOT / "templates").glob("**/*.*"):
        for fmt in re.findall(r"\|date:[\"']([^\"']*)[\"']", template.read_text()):
            if fmt not in NAMED_FORMATS | MACHINE_FORMATS:
                found.append(f"{template.relative_to(ROOT)}: {fmt}")
    assert found == []


def test_a_staff_page_shows_dates_day_first_in_english(dinan, council_admin):
    from community import services
    from tests.community.conftest import declare

    person = make_user("carded@example.org")
    declare(person, "4 rue de la Lainerie")
    services.postcard_request(user=person)
    batch = services.postcard_batch_create(acting=council_admin)
    services.postcard_batch_issue_codes(acting=council_admin, batch=batch)
    services.postcard_batch_mark_posted(acting=council_admin, batch=batch)
    client = CouncilClient(dinan).login_as(council_admin)
    page = client.get(f"/staff/community/postcards/{batch.pk}/").content.decode()
    assert re.search(r"Posted on \d{1,2} [A-Z][a-z]+ 20\d\d, \d\d:\d\d by", page), page
    assert "p.m." not in page and "a.m." not in page


@pytest.mark.parametrize(
    ("language", "one", "two"),
    [
        ("en", "1</span> proof of address to review", "2</span> proofs of address to review"),
        ("fr", "1</span> justificatif de domicile à examiner", None),
    ],
)
def test_counts_agree_with_their_noun(dinan, council_admin, language, one, two):
    from community import services
    from tests.community.conftest import declare, pdf_bytes, upload

    def submit(email: str) -> None:
        person = make_user(email)
        declare(person)
        services.proof_submit(user=person, upload=upload("bill.pdf", pdf_bytes()))

    client = CouncilClient(dinan, language=language).login_as(council_admin)
    submit("first-proof@example.org")
    page = client.get("/staff/community/verification/").content.decode()
    assert one in page
    assert "1</span> postcards" not in page and "1</span> cartes postales" not in page
    if two:
        submit("second-proof@example.org")
        assert two in client.get("/staff/community/verification/").content.decode()


def test_french_agrees_unknown_and_all_with_feminine_nouns():
    from alerts.models import Alert

    with translation.override("fr"):
        assert str(Alert.Urgency.UNKNOWN.label) == "Inconnue"
        assert str(Alert.Severity.UNKNOWN.label) == "Inconnue"
        assert str(Alert.Certainty.UNKNOWN.label) == "Inconnue"
    categories = '{% translate "All" context "categories" %}|{% translate "All" %}'
    assert _render(categories, "fr") == "Toutes|Tous"


def test_report_filters_offer_all_categories_in_the_feminine(dinan):
    page = CouncilClient(dinan, language="fr").get("/reports/").content.decode()
    category_select = page.split('name="category"')[1].split("</select>")[0]
    assert ">Toutes<" in category_select


def test_proof_help_text_is_in_the_language_of_the_page(dinan, resident):
    from community.forms import ProofForm

    with translation.override("en"):
        english = str(ProofForm().fields["document"].help_text)
    with translation.override("fr"):
        french = str(ProofForm().fields["document"].help_text)
    assert english.startswith("A recent energy bill") and "10 MB" in english
    assert french.startswith("Une facture") or french != english
    assert french != english


def test_platform_reasons_are_stored_as_codes_and_shown_in_the_readers_language(
    dinan, resident, council_admin
):
    """A resident browsing in French moves house: the reason the platform gives is a code,
    shown in English to whoever reads in English."""
    from community.models import ClosingReason, Residence, VerificationRequest
    from tests.community.conftest import declare

    declare(resident, "1 rue du Jerzual")
    from community import services

    with translation.override("fr"):
        request = services.postcard_request(user=resident)
        declare(resident, "30 rue de la Lainerie")
    request = VerificationRequest.objects.get(pk=request.pk)
    assert request.reason == "" and request.reason_code == ClosingReason.ADDRESS_CHANGED
    home = Residence.objects.get(user=resident)
    assert home.reason == "" and home.reason_code == ClosingReason.VERIFY_NEW_ADDRESS

    english = CouncilClient(dinan, language="en").login_as(resident).get("/verify/")
    page = english.content.decode()
    assert "You changed your address: please verify the new one." in page
    assert "Cancelled: you changed your address." in page
    assert "Vous avez changé" not in page and "Demande annulée" not in page
    french = CouncilClient(dinan, language="fr").login_as(resident).get("/verify/")
    assert "Vous avez changé d\u2019adresse" in french.content.decode()


def test_the_migration_maps_stored_sentences_to_codes(in_dinan, resident):
    import importlib

    from django.apps import apps

    from community.models import Residence, Status
    from tests.community.conftest import declare

    migration = importlib.import_module("community.migrations.0006_verification_reasons_and_emails")
    declare(resident, "2 rue de l'Horloge")
    staff_text = "Ce justificatif est illisible."
    Residence.objects.filter(user=resident).update(
        status=Status.UNVERIFIED,
        reason="Vous avez changé d\u2019adresse : merci de faire vérifier la nouvelle.",
    )
    other = make_user("other@example.org")
    declare(other, "3 rue de l'Horloge")
    Residence.objects.filter(user=other).update(status=Status.REJECTED, reason=staff_text)
    migration.sentences_to_codes(apps, None)
    home = Residence.objects.get(user=resident)
    assert (home.reason_code, home.reason) == ("verify_new_address", "")
    kept = Residence.objects.get(user=other)
    assert (kept.reason_code, kept.reason) == ("", staff_text)
