import pytest

from tenants.templatetags.branding import text_on


@pytest.mark.parametrize(
    ("colour", "text"),
    [
        ("#ffeb3b", "#000000"),
        ("#1d4ed8", "#ffffff"),
        ("#ffffff", "#000000"),
        ("#000000", "#ffffff"),
        ("not-a-colour", "#ffffff"),
    ],
)
def test_text_on_the_council_colour_keeps_contrast(colour, text):
    assert text_on(colour) == text


def test_a_light_council_colour_gets_dark_header_text(client_dinan, dinan):
    dinan.primary_colour = "#ffeb3b"
    dinan.save()
    assert "--on-brand: #000000" in client_dinan.get("/").content.decode()
