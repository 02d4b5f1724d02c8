"""What a resident does on the council's site, in Chromium."""

import re

from tests.community.conftest import png_bytes

from .conftest import SLUG

NEW_PASSWORD = "a-fresh-resident-password"


def _link_in(message: str, path_start: str) -> str:
    found = re.search(r"https?://[^\s\"<>]+" + re.escape(path_start) + r"[^\s\"<>]*", message)
    assert found, f"no {path_start} link in:\n{message}"
    return found.group(0)


def test_sign_up_confirm_declare_address_and_choose_a_verification_method(ui, outbox):
    page = ui.page
    email = "nolwenn@example.org"
    ui.goto("/accounts/signup/")
    page.get_by_label("Name").fill("Nolwenn Le Bihan")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(NEW_PASSWORD)
    ui.click(page.get_by_role("button", name="Create my account"))
    assert page.get_by_text("We have sent you an email").is_visible()

    message = next(m for m in outbox.wait_for(1) if email in m)
    page.goto(_link_in(message, "/accounts/confirm/"))
    ui.check()
    assert page.get_by_text("your email address is confirmed").is_visible()
    ui.login(email, NEW_PASSWORD, next_path="/verify/")
    ui.click(page.get_by_role("link", name="Give my address"))
    page.get_by_label("Street address").fill("12 rue de la Lainerie")
    page.get_by_label("Postcode").fill("22100")
    page.get_by_label("Town").fill("Dinan")
    # The neighbourhood map: a click in the middle of an area chooses it.
    area = page.locator("#neighbourhood-map path").first
    area.click()
    assert page.locator("#id_neighbourhood").input_value() != ""
    assert page.locator("#map-result").inner_text() != ""
    ui.click(page.get_by_role("button", name="Save my address"))

    ui.goto("/verify/")
    assert page.get_by_role("heading", name="Three ways to verify").is_visible()
    ui.click(page.get_by_role("button", name="Send me a postcard"))
    assert page.get_by_text("printed and posted").is_visible()

    ui.click(page.get_by_role("link", name="Send a document"))
    page.locator("input[type=file]").set_input_files(
        {"name": "bill.png", "mimeType": "image/png", "buffer": png_bytes((400, 300))}
    )
    ui.click(page.get_by_role("button", name="Send"))
    ui.goto("/verify/")
    assert page.get_by_text("Your document is waiting for review").is_visible()


def test_report_a_problem_with_a_photo_on_the_map_then_a_neighbour_follows_it(ui):
    page = ui.page
    ui.login(f"alice@{SLUG}.example", next_path="/reports/new/")
    page.locator("input[name=category]").first.check()
    ui.click(page.get_by_role("button", name="Continue"))

    page.locator(".civic-map").click(position={"x": 200, "y": 150})
    assert page.locator("#id_latitude").input_value() != ""
    page.get_by_label("Summary").fill("Broken bench")
    page.get_by_label("Description").fill("The bench by the fountain has lost two planks.")
    questions = page.locator("fieldset", has_text="A few questions")
    for field in questions.locator("select").all():
        field.select_option(index=1)
    for field in questions.locator("input[type=number]").all():
        field.fill("10")
    for field in questions.locator("input[type=text], textarea").all():
        field.fill("Yes")
    page.locator("#id_photos").set_input_files(
        {"name": "bench.png", "mimeType": "image/png", "buffer": png_bytes((640, 480))}
    )
    ui.click(page.get_by_role("button", name=re.compile("send", re.I)))
    assert re.search(r"/reports/\d+/$", page.url), page.url
    report_url = page.url.removeprefix(ui.base_url)
    assert page.locator("main img").count() >= 1

    ui.click(page.get_by_role("button", name="Sign out"))
    ui.login(f"bruno@{SLUG}.example", next_path=report_url)
    ui.click(page.get_by_role("button", name=re.compile("^Follow")))
    assert page.get_by_role("button", name=re.compile("^(Stop following|Unfollow)")).is_visible()


def test_language_switch_from_french_to_english(ui_fr):
    page = ui_fr.page
    ui_fr.goto("/")
    assert page.locator("html").get_attribute("lang") == "fr"
    page.get_by_label("Langue").select_option("en")
    ui_fr.click(page.get_by_role("button", name="Changer"))
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("navigation").get_by_role("link", name="Sign in").is_visible()


def test_a_missing_page_says_so_in_french_and_leads_back_home(ui_fr):
    page = ui_fr.page
    ui_fr.allow_console(r"status of 404")
    response = ui_fr.goto("/signalements/introuvable/")
    assert response.status == 404
    assert page.get_by_role("heading", name="Cette page n\u2019existe pas").is_visible()
    ui_fr.click(page.get_by_role("main").get_by_role("link", name="Retour à l\u2019accueil"))
    assert page.url.rstrip("/") == ui_fr.base_url.rstrip("/")
