"""Consultations, mutual aid, group buys and PDF reports, in Chromium: what residents do and
what staff see of it."""

import re
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone
from playwright.sync_api import expect

from .conftest import SLUG


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_staff_publish_a_consultation_a_resident_answers_and_staff_see_the_results(ui):
    page = ui.page
    ui.login(f"comms@{SLUG}.example", next_path="/staff/consultations/new/")
    form = page.locator("main form", has=page.get_by_role("button", name="Create"))
    form.get_by_label("Title").fill("Market on the quay")
    form.get_by_label("Opens").fill(_local(timezone.now() + timedelta(days=1)))
    form.get_by_label("Closes").fill(_local(timezone.now() + timedelta(days=14)))
    form.get_by_role("radio", name=re.compile("^Live")).check()
    ui.click(form.get_by_role("button", name="Create"))
    edit_url = page.url.removeprefix(ui.base_url)
    assert re.search(r"/staff/consultations/\d+/$", edit_url), edit_url

    new_question = page.locator("form", has=page.get_by_role("button", name="Add the question"))
    new_question.get_by_label("Kind").select_option("yes_no")
    label = new_question.get_by_role("textbox", name=re.compile("^Question"))
    label.fill("Should the market move to the quay?")
    ui.click(new_question.get_by_role("button", name="Add the question"))
    ui.click(page.get_by_role("button", name="Open now"))
    pk = re.search(r"/consultations/(\d+)/", edit_url).group(1)

    ui.switch_to(f"alice@{SLUG}.example", next_path=f"/consultations/{pk}/")
    expect(page.locator("h1")).to_have_text("Market on the quay")
    page.get_by_label("Yes", exact=True).check()
    ui.click(page.get_by_role("button", name="Send my answers"))

    ui.switch_to(f"comms@{SLUG}.example", next_path=f"/staff/consultations/{pk}/results/")
    expect(page.locator(".results")).to_contain_text("1 ballot")
    yes = page.locator(".results tbody tr", has=page.locator("th", has_text=re.compile("^Yes$")))
    expect(yes.locator("td").first).to_have_text("1")


def test_a_resident_offers_help_and_a_neighbour_answers(ui):
    page = ui.page
    ui.login(f"alice@{SLUG}.example", next_path="/mutual-aid/new/")
    page.get_by_role("radio", name=re.compile("Offer")).check()
    page.get_by_label("Category").select_option(index=1)
    page.get_by_label("Title").fill("Help with the garden")
    page.get_by_label("Description").fill("I can mow lawns on Saturday mornings.")
    page.get_by_label("Compensation").select_option("free")
    ui.click(page.get_by_role("button", name="Publish"))
    listing_url = page.url.removeprefix(ui.base_url)
    assert re.search(r"/mutual-aid/listings/\d+/$", listing_url), listing_url

    ui.switch_to(f"bruno@{SLUG}.example", next_path=listing_url)
    page.get_by_label("Message").fill("My lawn would love that. Saturday at 10?")
    ui.click(page.get_by_role("button", name="Send"))
    assert page.get_by_text("Saturday at 10?").first.is_visible()

    ui.switch_to(f"alice@{SLUG}.example", next_path="/mutual-aid/conversations/")
    ui.click(
        page.locator(
            "main a[href*='/conversations/']:not([href$='/mutual-aid/conversations/'])"
        ).first
    )
    assert page.get_by_text("Saturday at 10?").first.is_visible()
    page.get_by_label("Message").fill("Perfect, see you then.")
    ui.click(page.get_by_role("button", name="Send", exact=True))
    assert page.get_by_text("see you then").first.is_visible()


def test_a_household_joins_a_group_buy_and_staff_see_it(ui, in_council):
    from accounts.models import User
    from tests.community.group_buys.conftest import buy

    admin = User.objects.get(email=f"admin@{SLUG}.example")
    group_buy = buy(admin, product="Bois de chauffage (browser)", minimum_total=Decimal(2))

    page = ui.page
    ui.login(f"alice@{SLUG}.example", next_path=f"/group-buys/{group_buy.pk}/")
    expect(page.locator("#progress")).to_contain_text("0")
    page.locator("#household input[name=quantity]").fill("3")
    ui.click(page.locator("#household").get_by_role("button", name="Join"))
    expect(page.locator("#progress")).to_contain_text("3")
    expect(page.locator("#to-minimum")).to_have_attribute("value", "100")
    expect(page.locator("#prices")).to_contain_text("85.00 €")
    expect(page.locator("#household-estimate")).to_contain_text("255.00 €")

    ui.switch_to(f"admin@{SLUG}.example", next_path="/staff/community/group-buys/")
    ui.click(page.get_by_role("link", name="Bois de chauffage (browser)"))
    expect(page.locator("main")).to_contain_text("Alice")


def test_staff_generate_a_street_report_and_download_the_pdf(ui):
    page = ui.page
    ui.login(f"elected@{SLUG}.example")
    # Elected officials land on the dashboard: the council's key figures, the latest reports.
    expect(page.locator("#dashboard-key-figures")).to_contain_text("Verified residents")
    ui.goto("/staff/reports/")
    street = page.locator("form", has=page.locator("input[name=kind][value=street]"))
    today = timezone.localdate()
    street.get_by_label("First day").fill((today - timedelta(days=30)).isoformat())
    street.get_by_label("Last day").fill(today.isoformat())
    ui.click(street.get_by_role("button", name="Generate the report"))
    row = page.locator("tbody tr").first
    expect(row.locator("[data-status]")).to_have_text("Done", timeout=30_000)
    expect(row.locator("progress")).to_have_attribute("value", "100")
    with page.expect_download() as download:
        row.locator("a[data-file]").click()
    assert download.value.path().read_bytes().startswith(b"%PDF-")
    ui.goto("/staff/")
    expect(page.locator("#dashboard-reports a[href$='/file/']").first).to_be_visible()
