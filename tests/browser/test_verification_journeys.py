"""Becoming a verified resident by the two methods that need other people, in Chromium:
neighbours' vouches, and a postcard code printed and posted by staff."""

import io
import re

import pypdf
from playwright.sync_api import expect

from tests.community.conftest import declare
from tests.conftest import make_user

from .conftest import SLUG


def test_two_neighbours_vouch_and_the_resident_becomes_verified(ui, in_council):
    resident = make_user("erwan@example.org", full_name="Erwan Kerjean")
    declare(resident, "9 rue de la Mairie", postcode="00000", city="Plouër")

    page = ui.page
    ui.login("erwan@example.org", next_path="/verify/")
    ui.click(page.get_by_role("button", name="Ask my neighbours"))
    code = page.locator("#request-code").inner_text().strip()
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}", code), code

    # Alice and Bruno, verified, of two other households, each enter the code.
    for neighbour in ("alice", "bruno"):
        ui.switch_to(f"{neighbour}@{SLUG}.example", next_path="/verify/vouch/")
        page.get_by_label(re.compile("code", re.I)).fill(code.lower())
        ui.click(page.get_by_role("button", name="Find"))
        assert page.get_by_text("Erwan Kerjean").first.is_visible()
        ui.click(page.get_by_role("button", name="I confirm they live there"))
        assert page.get_by_text("you vouched for Erwan Kerjean").is_visible()

    ui.switch_to("erwan@example.org", next_path="/verify/")
    expect(page.locator("#verification-status")).to_contain_text("Verified")
    resident.residence.refresh_from_db()
    assert resident.residence.status == "verified"


def test_staff_print_and_post_a_postcard_and_the_resident_enters_its_code(ui, in_council):
    resident = make_user("maiwenn@example.org", full_name="Maïwenn Guégan")
    declare(resident, "11 rue de la Mairie", postcode="00000", city="Plouër")

    page = ui.page
    ui.login("maiwenn@example.org", next_path="/verify/")
    ui.click(page.get_by_role("button", name="Send me a postcard"))

    # The admin lands on the dashboard (every panel), where the postcard waits to be printed.
    ui.switch_to(f"admin@{SLUG}.example")
    expect(page.locator("#dashboard-verification")).to_contain_text(
        re.compile(r"\b[1-9]\d* postcards? to print")
    )
    expect(page.locator("#dashboard-teams")).to_be_visible()
    ui.goto("/staff/community/postcards/")
    ui.click(page.get_by_role("button", name="Create a print batch"))
    batch_url = page.url.removeprefix(ui.base_url)
    assert page.get_by_text("Maïwenn Guégan").first.is_visible()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the PDF").click()
    pdf = pypdf.PdfReader(io.BytesIO(download.value.path().read_bytes()))
    # One page per card (other residents of the suite may be waiting for one too).
    [card] = [p.extract_text() for p in pdf.pages if "Guégan" in p.extract_text()]
    codes = re.findall(r"\b[0-9A-Z]{4}-[0-9A-Z]{4}\b", card)
    assert len(codes) == 1, card
    ui.goto(batch_url)
    ui.click(page.get_by_role("button", name="Mark as posted"))
    assert page.get_by_text("its codes are now valid").is_visible()

    ui.switch_to("maiwenn@example.org", next_path="/verify/")
    ui.click(page.get_by_role("link", name="Enter my code"))
    page.get_by_label(re.compile("code", re.I)).fill(codes[0])
    ui.click(page.get_by_role("button", name="Verify my address"))
    assert page.get_by_text("your address is verified").first.is_visible()
    expect(page.locator("#verification-status")).to_contain_text("Verified")
    resident.residence.refresh_from_db()
    assert resident.residence.status == "verified"
