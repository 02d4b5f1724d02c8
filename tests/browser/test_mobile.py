"""A small phone: the pages residents open from an SMS or in the street fit the screen."""

from .conftest import SLUG

NO_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"


def _fits(ui) -> None:
    assert ui.page.evaluate(NO_SIDEWAYS_SCROLL), f"{ui.page.url} scrolls sideways on a phone"


def test_home_alert_and_report_form_fit_a_phone(phone_ui, in_council):
    from alerts.models import Alert

    identifier = Alert.objects.filter(state="sent").values_list("identifier", flat=True).first()
    page = phone_ui.page
    phone_ui.goto("/")
    _fits(phone_ui)
    phone_ui.goto(f"/alerts/{identifier}/")
    _fits(phone_ui)

    phone_ui.login(f"alice@{SLUG}.example", next_path="/reports/new/")
    page.locator("input[name=category]").first.check()
    phone_ui.click(page.get_by_role("button", name="Continuer"))
    _fits(phone_ui)
    # The map takes a tap, and says where the point is, in French typography.
    page.locator(".civic-map").tap(position={"x": 120, "y": 100})
    assert page.locator("#civic-map-point").inner_text().startswith("Point placé\u00a0: ")
    phone_ui.goto("/verify/")
    _fits(phone_ui)
