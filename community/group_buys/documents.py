"""The supplier's purchase order (PDF with WeasyPrint, and CSV) and the pickup-day distribution
sheet. All read the order lines: one per household, with its delivery address or on the pickup
list."""

import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from tenants.models import current_council

from . import selectors
from .models import Commitment, Delivery, GroupBuy, GroupBuyStatus


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
    for number, commitment in enumerate(selectors.order_lines(group_buy).iterator(2000), 1):
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
# lays out a table cell by cell (about 10 ms a row on our machines), and one long block again on
# every page; blocks of a page's worth of lines keep a 5,000-household order to a few seconds.
LINE_WIDTH = 112
FIRST_PAGE_LINES = 44
PAGE_LINES = 74


def _quantity(value: Decimal) -> str:
    places = 0 if value == value.to_integral_value() else 2
    return formats.number_format(value, decimal_pos=places, use_l10n=True)


def _money(value: Decimal) -> str:
    return formats.number_format(value, decimal_pos=2, use_l10n=True) + " €"


def _columns(pickup: bool) -> list[tuple[str, int, str]]:
    """(title, width, alignment) of each column; the text columns share what is left."""
    fixed = [("#", 5, ">"), (_("Quantity"), 10, ">"), (_("Total"), 14, ">")]
    free = LINE_WIDTH - sum(w for _t, w, _a in fixed) - 2 * 4
    if pickup:
        text = [(_("Household"), free + 2, "<")]
    else:
        text = [(_("Household"), 28, "<"), (_("Delivery address"), free - 28, "<")]
    return [fixed[0], *text, fixed[1], fixed[2]]


def _row(cells: list[list[str]], columns: list[tuple[str, int, str]]) -> list[str]:
    height = max(len(c) for c in cells)
    lines = []
    for index in range(height):
        parts = []
        for cell, (_title, width, align) in zip(cells, columns, strict=True):
            text = cell[index] if index < len(cell) else ""
            parts.append(f"{text:{align}{width}}")
        lines.append("  ".join(parts).rstrip())
    return lines


def order_text_blocks(order: PurchaseOrder) -> tuple[str, list[list[str]]]:
    """The column header and the order's lines in page-sized blocks."""
    columns = _columns(order.is_pickup)
    header = _row([[title[:width]] for title, width, _a in columns], columns)[0]
    blocks: list[list[str]] = [[]]
    limit = FIRST_PAGE_LINES
    for line in order.lines:
        cells = [[str(line.number)], textwrap.wrap(line.name, columns[1][1]) or [""]]
        if not order.is_pickup:
            cells.append(textwrap.wrap(", ".join(line.address), columns[2][1]) or [""])
        cells += [[_quantity(line.quantity)], [_money(line.total)]]
        rows = _row(cells, columns)
        if len(blocks[-1]) + len(rows) > limit:
            blocks.append([])
            limit = PAGE_LINES
        blocks[-1].extend(rows)
    return header, [b for b in blocks if b]


def purchase_order_html(order: PurchaseOrder) -> str:
    council = current_council()
    with translation.override(council.default_language):
        header, blocks = order_text_blocks(order)
        return render_to_string(
            "community/group_buys/purchase_order.html",
            {
                "council": council,
                "logo": _logo_uri(council),
                "order": order,
                "group_buy": order.group_buy,
                "tiers": order.group_buy.tiers.all(),
                "printed_at": timezone.localtime(),
                "header": header,
                "blocks": ["\n".join(block) for block in blocks],
                "colon": "\u00a0:" if council.default_language.startswith("fr") else ":",
            },
        )


def purchase_order_pdf(order: PurchaseOrder) -> bytes:
    import weasyprint

    html = purchase_order_html(order)
    return weasyprint.HTML(string=html, base_url=str(Path.cwd())).write_pdf()


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
