"""The supplier's purchase order (PDF and CSV), the distribution sheet and handovers."""

import csv
import io
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from community.group_buys import documents, selectors, services
from core.models import AuditEntry

from .conftest import D, buy, expire, households


def laid_out_text(html: str) -> tuple[str, int]:
    """The text WeasyPrint lays out on the PDF's pages (no PDF text extractor is installed:
    this reads the same boxes `write_pdf` draws), and the number of pages."""
    import weasyprint

    document = weasyprint.HTML(string=html).render()
    texts: list[str] = []

    def walk(box) -> None:
        if getattr(box, "text", None):
            texts.append(box.text)
        for child in getattr(box, "children", []):
            walk(child)

    for page in document.pages:
        walk(page._page_box)
    return " ".join(texts), len(document.pages)


@pytest.fixture
def confirmed(firewood, in_dinan, django_capture_on_commit_callbacks):
    """Firewood confirmed at 78 €: households of 5, 5, 5, 4.5 and 0.5 stères (20 in total)."""
    people = households(5)
    for person, quantity in zip(people, ["5", "5", "5", "4.5", "0.5"], strict=True):
        services.commitment_set(user=person, group_buy=firewood, quantity=D(quantity))
    expire(firewood)
    with django_capture_on_commit_callbacks(execute=True):
        services.group_buys_close_due()
    firewood.refresh_from_db()
    return firewood, people


def test_purchase_order_pdf_holds_every_line_and_the_totals(confirmed):
    group_buy, people = confirmed
    order = documents.purchase_order(group_buy)
    assert order.final and order.unit_price == D(78) and order.quantity == D(20)
    assert order.amount == D("1560.00") and order.saving == D("340.00")
    with translation.override("en"):  # the supplier's copy is in the council's language
        html = documents.purchase_order_html(order)
    text, pages = laid_out_text(html)
    assert pages == 1, text
    for person in people:
        assert person.full_name in text
        assert person.residence.address_line1 in text  # delivered to the home address
    for fact in ("Bon de commande", "Dinan", "Scierie du Jerzual", "78,00 € par stère"):
        assert fact in text, fact
    # A line: number, quantity, total, household and its address.
    assert re.search(r"4\s+4,50\s+351,00 €\s+Household3, 3 rue Haute, 22100 Dinan", text)
    assert re.search(r"5\s+0,50\s+39,00 €\s+Household4, 4 rue Haute, 22100 Dinan", text)
    for total in ("5 foyers", "Quantité\u00a0: 20 stère", "Total\u00a0: 1560,00 €"):
        assert total in text, text[-700:]
    assert "1900,00 €" in text and "340,00 €" in text  # retail and the saving
    pdf = documents.purchase_order_pdf(order)
    assert pdf.startswith(b"%PDF-") and len(pdf) > 5000


def test_pickup_order_lists_names_without_addresses(organiser, in_dinan):
    group_buy = buy(
        organiser, delivery="pickup", pickup_place="Salle des fêtes", minimum_total=D(1)
    )
    (person,) = households(1)
    services.commitment_set(user=person, group_buy=group_buy, quantity=D(2))
    html = documents.purchase_order_html(documents.purchase_order(group_buy))
    assert "Salle des fêtes" in html and person.full_name in html and "2,00 €" not in html
    assert person.residence.address_line1 not in html
    assert "Preview" in html or "Aperçu" in html  # not confirmed yet


def test_purchase_order_csv_has_lines_then_total(confirmed):
    group_buy, people = confirmed
    people[0].full_name = "=HYPERLINK(1)"
    people[0].save()
    rows = [
        [str(v) for v in row]
        for row in documents.purchase_order_rows(documents.purchase_order(group_buy))
    ]
    assert len(rows) == 6
    assert rows[-1][4:8] == ["20.00", "stere", "78.00", "1560.00"]
    out = io.StringIO()
    from core.csv import csv_lines

    out.writelines(
        csv_lines(
            documents.CSV_HEADER, documents.purchase_order_rows(documents.purchase_order(group_buy))
        )
    )
    parsed = list(csv.reader(io.StringIO(out.getvalue())))
    assert any(r[1] == "'=HYPERLINK(1)" for r in parsed)  # the formula guard


def test_handover_marks_and_no_shows_count_in_savings(confirmed, organiser, alice):
    group_buy, people = confirmed
    lines = documents.purchase_order(group_buy).lines
    first = group_buy.commitments.get(pk=lines[0].commitment_id)
    services.commitment_handover_mark(acting=organiser, commitment=first, handover="delivered")
    no_show = group_buy.commitments.get(resident=people[1])
    services.commitment_handover_mark(acting=organiser, commitment=no_show, handover="no_show")
    assert AuditEntry.objects.filter(action="community.group_buy_handover").count() == 2
    assert selectors.group_buy_saving(group_buy) == D(15) * 17  # 5 stères not taken
    with pytest.raises(PermissionDenied):
        services.commitment_handover_mark(acting=alice, commitment=first, handover="")
    with pytest.raises(ValidationError):
        services.commitment_handover_mark(acting=organiser, commitment=first, handover="lost")


def test_an_open_group_buy_is_not_handed_over(firewood, alice, organiser):
    services.commitment_set(user=alice, group_buy=firewood, quantity=D(1))
    commitment = firewood.commitments.get()
    with pytest.raises(ValidationError):
        services.commitment_handover_mark(
            acting=organiser, commitment=commitment, handover="collected"
        )


def test_long_order_keeps_every_household_across_pages(organiser, in_dinan):
    group_buy = buy(organiser, minimum_total=D(1), maximum_total=D(1000))
    people = households(120)
    people[7].full_name = "Marie-Françoise de La Tour d'Auvergne-Lauraguais du Plessis"
    people[7].save()
    for person in people:
        services.commitment_set(user=person, group_buy=group_buy, quantity=D(1))
    order = documents.purchase_order(group_buy)
    _header, blocks = documents.order_text_blocks(order)
    text, pages = laid_out_text(documents.purchase_order_html(order))
    assert pages == len(blocks) >= 2  # one block a page
    assert all(f"household{i}" in text.lower() for i in range(0, 120, 7))
    # A long name wraps onto a second line, it is not cut.
    assert "Lauraguais" in text and "Plessis" in text
    assert "120 foyers" in text and "Total\u00a0: 10200,00 €" in text  # 120 x 85


def pdf_text(pdf: bytes) -> tuple[str, int]:
    """The text of every page, as a PDF reader extracts it, and the number of pages."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages), len(reader.pages)


def test_distribution_sheet_pdf_lists_each_household_with_a_box_to_tick(
    organiser, in_dinan, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    pickup_at = timezone.now() + timedelta(days=10)
    group_buy = buy(
        organiser,
        delivery="pickup",
        pickup_place="Salle des fêtes de Léhon",
        pickup_at=pickup_at,
        minimum_total=D(1),
    )
    people = households(3)
    for person, quantity in zip(people, ["2", "1.5", "5"], strict=True):
        services.commitment_set(user=person, group_buy=group_buy, quantity=D(quantity))
    expire(group_buy)
    with django_capture_on_commit_callbacks(execute=True):
        services.group_buys_close_due()
    group_buy.refresh_from_db()
    collected = group_buy.commitments.get(resident=people[1])
    services.commitment_handover_mark(acting=organiser, commitment=collected, handover="collected")
    order = documents.purchase_order(group_buy)
    text, pages = pdf_text(documents.distribution_pdf(order))
    assert pages == 1
    # Council branding, the pickup place and time, in the council's language (French).
    for fact in ("Dinan", "Feuille de distribution", "Salle des fêtes de Léhon", "3 foyers"):
        assert fact in text, (fact, text)
    with translation.override("fr"):
        from django.utils import formats

        assert formats.date_format(timezone.localtime(pickup_at), "DATETIME_FORMAT") in text
    # One line per household: its box, its number on the order, quantity and name.
    lines = {line.number: line for line in order.lines}
    for number, line in lines.items():
        quantity = "1,50" if line.quantity == D("1.5") else str(int(line.quantity))
        assert re.search(rf"[☐☑]\s+{number}\s+{quantity} stère\s+{line.name}", text), text
    assert text.count("☐") == 2 and text.count("☑") == 1
    assert re.search(r"Quantité\s*:\s*8,50 stère", text), text
    assert "rue Haute" not in text  # a pickup list: no addresses


def test_distribution_sheet_pdf_of_home_deliveries_gives_addresses(confirmed):
    group_buy, people = confirmed
    text, _pages = pdf_text(documents.distribution_pdf(documents.purchase_order(group_buy)))
    for person in people:
        assert f"{person.full_name}, {person.residence.address_line1}" in text
    assert "Livré au domicile" in text
