"""What council staff do in the portal, in Chromium."""

import re

from playwright.sync_api import expect

from tests.community.conftest import declare, png_bytes, upload
from tests.conftest import make_user

from .conftest import SLUG


def test_moderator_triages_a_report_from_the_queue(ui):
    page = ui.page
    ui.login(f"moderator@{SLUG}.example")
    assert page.url.endswith("/staff/"), page.url  # staff land on the portal
    ui.goto("/staff/civic/")
    ui.click(page.locator("main table a[href*='/staff/civic/reports/']").first)
    heading = page.locator("h1").inner_text()
    page.get_by_label("New status").select_option(index=0)
    status = page.get_by_label("New status").locator("option").first.inner_text()
    page.locator("#st-note").fill("A team is on its way.")
    ui.click(page.get_by_role("button", name="Save"))
    assert page.locator("h1").inner_text() == heading
    assert page.get_by_text("A team is on its way.").first.is_visible()
    assert page.get_by_text(status).first.is_visible()


def test_council_admin_invites_a_staff_member(ui, outbox):
    page = ui.page
    ui.login(f"admin@{SLUG}.example")
    ui.goto("/staff/members/")
    form = page.locator("form", has=page.get_by_role("button", name="Send the invitation"))
    form.get_by_label("Name").fill("Gwen Agent")
    form.get_by_label("Email").fill("gwen@plouer.example")
    form.get_by_label("Agent").check()
    ui.click(page.get_by_role("button", name="Send the invitation"))
    row = page.locator("tr", has_text="gwen@plouer.example")
    expect(row).to_contain_text("Agent")
    assert any("gwen@plouer.example" in message for message in outbox.wait_for(1))


def test_council_admin_approves_a_proof_of_address(ui, in_council):
    from community import services

    resident = make_user("yann@example.org", full_name="Yann Morvan")
    declare(resident, "7 rue de l'Apport")
    services.proof_submit(user=resident, upload=upload("bill.png", png_bytes(), "image/png"))

    page = ui.page
    ui.login(f"admin@{SLUG}.example")
    ui.goto("/staff/community/verification/")
    ui.click(page.locator("main a", has_text="Yann").first)
    ui.click(page.get_by_role("button", name="Approve"))
    resident.residence.refresh_from_db()
    assert resident.residence.status == "verified"


def test_communications_officer_composes_confirms_and_sends_an_alert_until_delivered(ui):
    page = ui.page
    ui.login(f"comms@{SLUG}.example")
    ui.goto("/staff/alerts/new/?hazard=storm&language=en")
    page.get_by_label("The whole council").check()
    page.get_by_label("Status").select_option("Actual")
    ui.click(page.get_by_role("button", name="Save draft"))

    ui.click(page.get_by_role("link", name=re.compile(r"^Send to \d+ recipients?")))
    assert page.get_by_text("the whole council").is_visible()
    count = int(re.search(r"\d+", page.locator("#confirm-recipients").inner_text()).group(0))
    assert count >= 2
    # A click alone does not send a real whole-council alert.
    ui.click(page.get_by_role("button", name=re.compile("^Send now")))
    assert page.get_by_text("Type the council's name to send this alert").is_visible()
    page.get_by_label("Type the council's name to confirm").fill("Plouër")
    ui.click(page.get_by_role("button", name=re.compile("^Send now")))

    # The simulator reports "sent" then "delivered": the page follows without a reload.
    expect(page.locator("[data-count=delivered]")).to_have_text(str(count), timeout=30_000)
    expect(page.locator("#progress-percent")).to_have_text("100")
    expect(page.locator("#progress-h")).to_have_text("Delivery summary")
    ui.check()
