"""Reads for group buys and the partner directory: prices by tier, progress, savings, and who
may see or manage what."""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role

from ..models import Residence
from ..selectors import community_settings, is_verified, may_use
from .models import (
    Commitment,
    GroupBuy,
    GroupBuyStatus,
    Handover,
    Partner,
    PartnerUse,
)

# Staff who organise group buys and run pickup day.
GROUP_BUY_STAFF_ROLES: tuple[Role, ...] = (
    Role.COUNCIL_ADMIN,
    Role.AGENT,
    Role.COMMUNICATIONS_OFFICER,
)
# Staff who keep the partner directory.
PARTNER_STAFF_ROLES: tuple[Role, ...] = (Role.COUNCIL_ADMIN, Role.COMMUNICATIONS_OFFICER)

CENT = Decimal("0.01")


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


# --- prices ------------------------------------------------------------------------------------

Tier = tuple[Decimal, Decimal]  # (from total quantity, unit price)


def tiers_of(group_buy: GroupBuy) -> list[Tier]:
    return [(t.from_quantity, t.unit_price) for t in group_buy.tiers.all()]


def unit_price_at(tiers: Sequence[Tier], total: Decimal) -> Decimal:
    """The unit price once all households together reach `total`: the tier with the largest
    threshold at or below it (the first tier's price below every threshold)."""
    ordered = sorted(tiers)
    if not ordered:
        raise ValueError("a group buy has at least one price tier")
    price = ordered[0][1]
    for threshold, unit_price in ordered:
        if total >= threshold:
            price = unit_price
    return price


def next_tier(tiers: Sequence[Tier], total: Decimal) -> Tier | None:
    return next(((q, p) for q, p in sorted(tiers) if q > total), None)


def saving(*, retail: Decimal, unit_price: Decimal, quantity: Decimal) -> Decimal:
    """What a quantity saves against the retail price (never negative)."""
    return money(max(retail - unit_price, Decimal(0)) * quantity)


@dataclass(frozen=True)
class Progress:
    """What the group buy's page shows: progress to the minimum and to the next tier, prices,
    and the household's estimate."""

    total: Decimal
    minimum: Decimal
    maximum: Decimal
    current_price: Decimal
    # The price if the buy closed now having reached its minimum at least: what households will
    # pay at worst once it goes ahead.
    projected_price: Decimal
    next_tier: Tier | None
    household_quantity: Decimal
    retail: Decimal

    @property
    def remaining(self) -> Decimal:
        return max(self.maximum - self.total, Decimal(0))

    @property
    def to_minimum(self) -> Decimal:
        return max(self.minimum - self.total, Decimal(0))

    @property
    def to_next_tier(self) -> Decimal | None:
        return None if self.next_tier is None else self.next_tier[0] - self.total

    @property
    def minimum_percent(self) -> int:
        return 100 if self.minimum <= 0 else min(100, int(self.total * 100 / self.minimum))

    @property
    def next_tier_percent(self) -> int:
        if self.next_tier is None:
            return 100
        return min(100, int(self.total * 100 / self.next_tier[0]))

    @property
    def household_total(self) -> Decimal:
        return money(self.projected_price * self.household_quantity)

    @property
    def household_saving(self) -> Decimal:
        return saving(
            retail=self.retail, unit_price=self.projected_price, quantity=self.household_quantity
        )

    @property
    def saving_percent(self) -> int:
        if self.retail <= 0:
            return 0
        return int((self.retail - self.projected_price) * 100 / self.retail)


def progress(group_buy: GroupBuy, household_quantity: Decimal = Decimal(0)) -> Progress:
    tiers = tiers_of(group_buy)
    total = group_buy.total_committed
    if group_buy.status == GroupBuyStatus.CONFIRMED and group_buy.final_unit_price is not None:
        current = projected = group_buy.final_unit_price
    else:
        current = unit_price_at(tiers, total)
        projected = unit_price_at(tiers, max(total, group_buy.minimum_total))
    return Progress(
        total=total,
        minimum=group_buy.minimum_total,
        maximum=group_buy.maximum_total,
        current_price=current,
        projected_price=projected,
        next_tier=next_tier(tiers, total),
        household_quantity=household_quantity,
        retail=group_buy.retail_price,
    )


# --- residents ---------------------------------------------------------------------------------


def residence_of(user: User) -> Residence | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Residence.objects.select_related("neighbourhood").filter(user=user).first()


def eligible(group_buy: GroupBuy, residence: Residence | None) -> bool:
    """Whether the group buy is open to this home's neighbourhood (all, when none is chosen)."""
    chosen = {n.pk for n in group_buy.neighbourhoods.all()}
    if not chosen:
        return True
    return residence is not None and residence.neighbourhood_id in chosen


def group_buys_for(user: User) -> QuerySet[GroupBuy]:
    """Open group buys the visitor can join (every open one for a visitor without a
    neighbourhood), then closed ones their household took part in."""
    residence = residence_of(user)
    open_buys = Q(status=GroupBuyStatus.OPEN)
    if residence is not None and residence.neighbourhood_id:
        open_buys &= Q(neighbourhoods__isnull=True) | Q(neighbourhoods=residence.neighbourhood_id)
    elif residence is not None:
        open_buys &= Q(neighbourhoods__isnull=True)
    visible = open_buys
    if residence is not None:
        visible |= Q(commitments__household_key=residence.household_key)
    return (
        GroupBuy.objects.filter(visible)
        .distinct()
        .prefetch_related("tiers", "neighbourhoods")
        .order_by("-status", "deadline")  # "open" first, then "confirmed", "cancelled"
    )


def group_buy_visible_to(user: User, pk: int) -> GroupBuy | None:
    """A group buy the visitor may look at: one listed for them, or one they manage."""
    found = GroupBuy.objects.prefetch_related("tiers", "neighbourhoods").filter(pk=pk).first()
    if found is None:
        return None
    if may_manage(user, found) or group_buys_for(user).filter(pk=pk).exists():
        return found
    return None


def household_commitment(user: User, group_buy: GroupBuy) -> Commitment | None:
    residence = residence_of(user)
    if residence is None:
        return None
    return (
        Commitment.objects.select_related("resident")
        .filter(group_buy=group_buy, household_key=residence.household_key)
        .first()
    )


def is_group_buy_staff(user: User | None) -> bool:
    return bool(
        user is not None and user.is_authenticated and user.has_role(*GROUP_BUY_STAFF_ROLES)
    )


def may_organise(user: User | None) -> bool:
    """Staff, or a verified resident where the council lets residents organise."""
    if user is None or not user.is_authenticated:
        return False
    if is_group_buy_staff(user):
        return True
    return community_settings().residents_organise_group_buys and is_verified(user)


def may_manage(user: User | None, group_buy: GroupBuy) -> bool:
    """Staff, or the resident who organises it."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return is_group_buy_staff(user) or group_buy.organiser_id == user.pk


def organised_by(user: User) -> QuerySet[GroupBuy]:
    return GroupBuy.objects.filter(organiser=user).order_by("-created_at")


# --- managing ----------------------------------------------------------------------------------


def group_buys_for_staff(status: str = "") -> QuerySet[GroupBuy]:
    buys = GroupBuy.objects.select_related("organiser").annotate(households=Count("commitments"))
    if status:
        buys = buys.filter(status=status)
    return buys.order_by("-deadline")


def order_lines(group_buy: GroupBuy) -> QuerySet[Commitment]:
    """One line per household, with the resident whose address the order uses."""
    return (
        Commitment.objects.filter(group_buy=group_buy, quantity__gt=0)
        .select_related("resident__residence")
        .order_by("resident__residence__postcode", "resident__full_name", "pk")
    )


def delivered_quantity(group_buy: GroupBuy) -> Decimal:
    """The quantity households took (no-shows excluded)."""
    total = (
        Commitment.objects.filter(group_buy=group_buy)
        .exclude(handover=Handover.NO_SHOW)
        .aggregate(total=Sum("quantity"))["total"]
    )
    return total or Decimal(0)


def group_buy_saving(group_buy: GroupBuy) -> Decimal:
    """Sum of (retail - final price) x quantity of a confirmed group buy (no-shows excluded)."""
    if group_buy.status != GroupBuyStatus.CONFIRMED or group_buy.final_unit_price is None:
        return Decimal("0.00")
    return saving(
        retail=group_buy.retail_price,
        unit_price=group_buy.final_unit_price,
        quantity=delivered_quantity(group_buy),
    )


@dataclass(frozen=True)
class CouncilSavings:
    year: int
    saved: Decimal
    group_buys: int
    households: int


def savings_this_year() -> CouncilSavings:
    """What residents saved this (local) year in group buys confirmed this year: one query,
    each group buy's delivered quantity and households summed in SQL (no-shows excluded), its
    saving rounded as `group_buy_saving` rounds it."""
    year = timezone.localdate().year
    delivered = ~Q(commitments__handover=Handover.NO_SHOW)
    confirmed = (
        GroupBuy.objects.filter(
            status=GroupBuyStatus.CONFIRMED,
            closed_at__year=year,
        )
        .annotate(
            delivered=Sum("commitments__quantity", filter=delivered),
            households=Count("commitments", filter=delivered),
        )
        .values_list("retail_price", "final_unit_price", "delivered", "households")
    )
    saved = Decimal("0.00")
    households = group_buys = 0
    for retail, unit_price, quantity, served in confirmed:
        if unit_price is not None:
            saved += saving(retail=retail, unit_price=unit_price, quantity=quantity or Decimal(0))
        households += served
        group_buys += 1
    return CouncilSavings(year=year, saved=saved, group_buys=group_buys, households=households)


# --- partners ----------------------------------------------------------------------------------


def partners_for(user: User, *, include_hidden: bool = False) -> QuerySet[Partner]:
    partners = Partner.objects.prefetch_related("neighbourhoods").annotate(
        users=Count("uses", distinct=True)
    )
    if not include_hidden:
        partners = partners.filter(is_published=True)
    if getattr(user, "is_authenticated", False):
        partners = partners.annotate(
            used=Exists(PartnerUse.objects.filter(partner=OuterRef("pk"), user=user))
        )
    return partners.order_by("category", "name")


def may_use_group_buys(user: User) -> bool:
    """Whether the council's verification rule lets this resident commit."""
    return may_use(user, "group_buy")
