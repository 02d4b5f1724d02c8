"""The supplier's purchase order (PDF with WeasyPrint, and CSV) and the pickup-day distribution
sheet (a page to print, and a PDF). All read the order lines: one per household, with its
delivery address or on the pickup list."""

import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.template.loader import render_to_string
from django.utils import formats, numberformat, timezone, translation
from django.utils.translation import gettext as _

from tenants.models import current_council

from . import selectors
from .models import Commitment, Delivery, GroupBuy, GroupBuyStatus, Handover


@dataclass(frozen=True)
class OrderLine:
    number: int
    commitment_id: int
    name: str
    address: list[str]
    quantity: Decimal
    unit_price: Decimal
    total: Decimal
    handover: str


@dataclass(frozen=True)
class PurchaseOrder:
    group_buy: GroupBuy
    unit_price: Decimal
    lines: list[OrderLine]
    quantity: Decimal
    amount: Decimal
    retail_amount: Decimal
    saving: Decimal
    final: bool

    @property
    def is_pickup(self) -> bool:
        return self.group_buy.delivery == Delivery.PICKUP


def _address(commitment: Commitment) -> list[str]:
    residence = getattr(commitment.resident, "residence", None) if commitment.resident else None
    return residence.postal_lines() if residence is not None else []


def purchase_order(group_buy: GroupBuy) -> PurchaseOrder:
    """The order as it stands: at the final price once confirmed, else at the price of the tier
    reached so far (a preview)."""
    final = group_buy.status == GroupBuyStatus.CONFIRMED and group_buy.final_unit_price is not None
    price = (
        group_buy.final_unit_price
        if final and group_buy.final_unit_price is not None
        else selectors.progress(group_buy).projected_price
    )
    lines = []
    quantity = Decimal(0)
    # Only the columns the order prints: loading whole users and residences (dates parsed) took
    # longer than writing the lines.
    rows = selectors.order_lines(group_buy).only(
        "pk",
        "quantity",
        "handover",
        "resident__full_name",
        "resident__residence__address_line1",
        "resident__residence__address_line2",
        "resident__residence__postcode",
        "resident__residence__city",
    )
    for number, commitment in enumerate(rows.iterator(2000), 1):
        quantity += commitment.quantity
        lines.append(
            OrderLine(
                number=number,
                commitment_id=commitment.pk,
                name=commitment.resident.full_name
                if commitment.resident
                else _("(account deleted)"),
                address=_address(commitment),
                quantity=commitment.quantity,
                unit_price=price,
                total=selectors.money(price * commitment.quantity),
                handover=commitment.handover,
            )
        )
    return PurchaseOrder(
        group_buy=group_buy,
        unit_price=price,
        lines=lines,
        quantity=quantity,
        amount=selectors.money(price * quantity),
        retail_amount=selectors.money(group_buy.retail_price * quantity),
        saving=selectors.saving(retail=group_buy.retail_price, unit_price=price, quantity=quantity),
        final=final,
    )


def _logo_uri(council) -> str:
    if not council.logo:
        return ""
    try:
        return Path(council.logo.path).as_uri()
    except (ValueError, NotImplementedError):
        return ""


# The lines are laid out as preformatted text in a monospaced font, one block per page: WeasyPrint
# lays out a table cell by cell (about 18 ms a row measured, 90 s for 5,000 households), and a
# preformatted block again for each of its lines, so one block per page, each after a forced page
# break (no `page-break-inside: avoid` to try and undo). Drawing costs per glyph, padding spaces
# included: the numbers come first, in columns as wide as their widest value, and the household's
# name and address last, together, unpadded.
LINE_WIDTH = 112
FIRST_PAGE_LINES = 44
PAGE_LINES = 74


class _Numbers:
    """Django's number format of the active language, read once per document (formats'
    number_format looks the settings up again for every number)."""

    def __init__(self) -> None:
        self.decimal = formats.get_format("DECIMAL_SEPARATOR")
        self.thousands = formats.get_format("THOUSAND_SEPARATOR")
        self.grouping = formats.get_format("NUMBER_GROUPING")

    def __call__(self, value: Decimal, places: int) -> str:
        return numberformat.format(
            value, self.decimal, places, self.grouping, self.thousands, use_l10n=True
        )

    def quantity(self, value: Decimal) -> str:
        return self(value, 0 if value == value.to_integral_value() else 2)

    def money(self, value: Decimal) -> str:
        return self(value, 2) + " €"


def _wrap(text: str, width: int) -> list[str]:
    return [text] if len(text) <= width else textwrap.wrap(text, width) or [""]


def order_text_blocks(order: PurchaseOrder) -> tuple[str, list[list[str]]]:
    """The column header and the order's lines in page-sized blocks."""
    numbers = _Numbers()
    cells = [
        (str(line.number), numbers.quantity(line.quantity), numbers.money(line.total), line)
        for line in order.lines
    ]
    titles = ("#", _("Quantity"), _("Total"))
    widths = [max([len(t), *(len(c[i]) for c in cells)]) for i, t in enumerate(titles)]
    indent = sum(widths) + 2 * len(widths)
    text_width = LINE_WIDTH - indent
    text_title = _("Household") if order.is_pickup else _("Household, delivery address")
    header = "  ".join(f"{t:>{w}}" for t, w in zip(titles, widths, strict=True))
    header += "  " + text_title
    rows = []
    for number, quantity, total, line in cells:
        text = line.name if order.is_pickup else ", ".join([line.name, *line.address])
        wrapped = _wrap(text, text_width)
        first = f"{number:>{widths[0]}}  {quantity:>{widths[1]}}  {total:>{widths[2]}}  "
        rows.append([first + wrapped[0], *(" " * indent + more for more in wrapped[1:])])
    return header, _pages(rows)


def _pages(rows: list[list[str]]) -> list[list[str]]:
    """The text lines of each household (one or more, kept together) in page-sized blocks."""
    blocks: list[list[str]] = [[]]
    limit = FIRST_PAGE_LINES
    for lines in rows:
        if len(blocks[-1]) + len(lines) > limit:
            blocks.append([])
            limit = PAGE_LINES
        blocks[-1].extend(lines)
    return [b for b in blocks if b]


TICK_BOX, TICKED = "☐", "☑"


def distribution_text_blocks(order: PurchaseOrder) -> tuple[str, list[list[str]]]:
    """The distribution sheet's column header and lines (a box to tick, the order's line number,
    the quantity, the household and, when delivered, its address) in page-sized blocks."""
    numbers = _Numbers()
    unit = order.group_buy.get_unit_display()
    cells = [
        (str(line.number), f"{numbers.quantity(line.quantity)} {unit}", line)
        for line in order.lines
    ]
    titles = ("#", _("Quantity"))
    widths = [max([len(t), *(len(c[i]) for c in cells)]) for i, t in enumerate(titles)]
    indent = len(TICK_BOX) + 2 + sum(widths) + 2 * len(widths)
    text_width = LINE_WIDTH - indent
    header = " " * (len(TICK_BOX) + 2)
    header += "  ".join(f"{t:>{w}}" for t, w in zip(titles, widths, strict=True))
    header += "  " + (_("Name") if order.is_pickup else _("Name, address"))
    rows = []
    for number, quantity, line in cells:
        box = TICKED if line.handover in (Handover.COLLECTED, Handover.DELIVERED) else TICK_BOX
        text = line.name if order.is_pickup else ", ".join([line.name, *line.address])
        wrapped = _wrap(text, text_width)
        first = f"{box}  {number:>{widths[0]}}  {quantity:>{widths[1]}}  "
        rows.append([first + wrapped[0], *(" " * indent + more for more in wrapped[1:])])
    return header, _pages(rows)


def _document_context(order: PurchaseOrder) -> dict[str, Any]:
    council = current_council()
    return {
        "council": council,
        "logo": _logo_uri(council),
        "order": order,
        "group_buy": order.group_buy,
        "printed_at": timezone.localtime(),
        "colon": "\u00a0:" if council.default_language.startswith("fr") else ":",
    }


def _document_html(
    template: str,
    order: PurchaseOrder,
    blocks_of: Callable[[PurchaseOrder], tuple[str, list[list[str]]]],
    **extra: Any,
) -> str:
    """A group buy's document in the council's language: its text blocks (`blocks_of(order)`
    gives the header and the blocks) in `template`, with the council's branding."""
    council = current_council()
    with translation.override(council.default_language):
        header, blocks = blocks_of(order)
        return render_to_string(
            template,
            {
                **_document_context(order),
                **extra,
                "header": header,
                "blocks": ["\n".join(block) for block in blocks],
            },
        )


def _pdf(html: str) -> bytes:
    import weasyprint

    return weasyprint.HTML(string=html, base_url=str(Path.cwd())).write_pdf()


def distribution_html(order: PurchaseOrder) -> str:
    return _document_html(
        "community/group_buys/distribution_pdf.html", order, distribution_text_blocks
    )


def distribution_pdf(order: PurchaseOrder) -> bytes:
    return _pdf(distribution_html(order))


def purchase_order_html(order: PurchaseOrder) -> str:
    return _document_html(
        "community/group_buys/purchase_order.html",
        order,
        order_text_blocks,
        tiers=order.group_buy.tiers.all(),
    )


def purchase_order_pdf(order: PurchaseOrder) -> bytes:
    return _pdf(purchase_order_html(order))


CSV_HEADER = (
    "line",
    "name",
    "address",
    "postcode_town",
    "quantity",
    "unit",
    "unit_price",
    "total",
    "handover",
)


def purchase_order_rows(order: PurchaseOrder) -> Iterator[list[object]]:
    unit = order.group_buy.unit
    for line in order.lines:
        street = ", ".join(line.address[:-1]) if len(line.address) > 1 else ""
        town = line.address[-1] if line.address else ""
        yield [
            line.number,
            line.name,
            street,
            town,
            line.quantity,
            unit,
            line.unit_price,
            line.total,
            line.handover,
        ]
    yield ["", _("Total"), "", "", order.quantity, unit, order.unit_price, order.amount, ""]
