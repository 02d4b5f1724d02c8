"""The supplier's purchase order (PDF with WeasyPrint, and CSV) and the pickup-day distribution
sheet. All read the order lines: one per household, with its delivery address or on the pickup
list."""

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.template.loader import render_to_string
from django.utils import timezone, translation
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


def purchase_order_html(order: PurchaseOrder) -> str:
    council = current_council()
    with translation.override(council.default_language):
        return render_to_string(
            "community/group_buys/purchase_order.html",
            {
                "council": council,
                "logo": _logo_uri(council),
                "order": order,
                "group_buy": order.group_buy,
                "tiers": order.group_buy.tiers.all(),
                "printed_at": timezone.localtime(),
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
