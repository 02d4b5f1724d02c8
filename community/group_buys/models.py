"""Group buys and the partner directory.

A `GroupBuy` gathers households' commitments up to the supplier's capacity. Its running total
(`total_committed`) is changed only by a conditional UPDATE (see services.commitment_set), and a
CHECK constraint refuses a total above the maximum: the database, not Python, prevents oversell.
A `Commitment` is one household's quantity (the household key from verification), so two
residents of one home share it. Prices come from `PriceTier` rows, by the total reached.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from ..models import Neighbourhood

__all__ = [
    "Commitment",
    "Delivery",
    "GroupBuy",
    "GroupBuyStatus",
    "Handover",
    "IdempotentRequest",
    "Partner",
    "PartnerCategory",
    "PartnerUse",
    "PriceTier",
    "Unit",
]


class Unit(models.TextChoices):
    STERE = "stere", _("stère")
    LITRE = "litre", _("litre")
    KG = "kg", _("kg")
    BOTTLE = "bottle", _("bottle")
    CRATE = "crate", _("crate")
    BAG = "bag", _("bag")
    ITEM = "item", _("item")


class Delivery(models.TextChoices):
    HOME = "home", _("Delivered to the home address")
    PICKUP = "pickup", _("Collected at a pickup place")


class GroupBuyStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CONFIRMED = "confirmed", _("Confirmed")
    CANCELLED = "cancelled", _("Cancelled")


def _money(**kwargs) -> models.DecimalField:
    return models.DecimalField(max_digits=10, decimal_places=2, **kwargs)


def _quantity(**kwargs) -> models.DecimalField:
    return models.DecimalField(max_digits=12, decimal_places=2, **kwargs)


class GroupBuy(models.Model):
    product = models.CharField(_("product"), max_length=160)
    description = models.TextField(_("description"), blank=True)
    photo = models.ImageField(_("photo"), upload_to="group-buys/", blank=True)
    supplier_name = models.CharField(_("supplier"), max_length=160)
    supplier_contact = models.CharField(
        _("supplier contact"), max_length=250, blank=True, help_text=_("Phone, email or address.")
    )
    supplier_siret = models.CharField(_("SIRET"), max_length=14, blank=True)
    unit = models.CharField(_("unit"), max_length=12, choices=Unit.choices)
    step = _quantity(
        verbose_name=_("step"),
        default=Decimal("1"),
        help_text=_("Quantities go by this step, e.g. 0.5 stère."),
    )
    retail_price = _money(verbose_name=_("usual retail price per unit"))
    minimum_total = _quantity(verbose_name=_("minimum total to go ahead"))
    maximum_total = _quantity(verbose_name=_("maximum total (supplier capacity)"))
    household_min = _quantity(verbose_name=_("minimum per household"))
    household_max = _quantity(verbose_name=_("maximum per household"))
    deadline = models.DateTimeField(_("deadline"))
    delivery = models.CharField(
        _("delivery"), max_length=8, choices=Delivery.choices, default=Delivery.HOME
    )
    pickup_place = models.CharField(_("pickup place"), max_length=200, blank=True)
    pickup_at = models.DateTimeField(_("pickup time"), null=True, blank=True)
    neighbourhoods = models.ManyToManyField(
        Neighbourhood,
        blank=True,
        related_name="group_buys",
        verbose_name=_("eligible neighbourhoods"),
        help_text=_("None chosen: open to the whole council."),
    )
    organiser = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="group_buys_organised",
    )
    organised_by_staff = models.BooleanField(default=True)
    duplicated_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    total_committed = _quantity(default=Decimal("0"))
    status = models.CharField(
        _("status"), max_length=10, choices=GroupBuyStatus.choices, default=GroupBuyStatus.OPEN
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    final_unit_price = _money(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("group buy")
        verbose_name_plural = _("group buys")
        ordering = ["deadline", "pk"]
        constraints = [
            # The last line of defence against oversell, whatever the code above does.
            models.CheckConstraint(
                condition=Q(total_committed__gte=0) & Q(total_committed__lte=F("maximum_total")),
                name="group_buy_total_within_maximum",
            ),
            models.CheckConstraint(
                condition=Q(household_min__lte=F("household_max"))
                & Q(minimum_total__lte=F("maximum_total"))
                & Q(step__gt=0),
                name="group_buy_limits_ordered",
            ),
        ]
        indexes = [models.Index(fields=["status", "deadline"])]

    def __str__(self) -> str:
        return self.product

    @property
    def is_open(self) -> bool:
        return self.status == GroupBuyStatus.OPEN


class PriceTier(models.Model):
    """From `from_quantity` in total (all households together), each unit costs `unit_price`."""

    group_buy = models.ForeignKey(GroupBuy, on_delete=models.CASCADE, related_name="tiers")
    from_quantity = _quantity(verbose_name=_("from total quantity"))
    unit_price = _money(verbose_name=_("unit price"))

    class Meta:
        verbose_name = _("price tier")
        verbose_name_plural = _("price tiers")
        ordering = ["from_quantity"]
        constraints = [
            models.UniqueConstraint(
                fields=["group_buy", "from_quantity"], name="one_price_per_tier"
            ),
        ]

    def __str__(self) -> str:
        return f"≥ {self.from_quantity}: {self.unit_price}"


class Handover(models.TextChoices):
    WAITING = "", _("Not yet")
    COLLECTED = "collected", _("Collected")
    DELIVERED = "delivered", _("Delivered")
    NO_SHOW = "no_show", _("No-show")


class Commitment(models.Model):
    """One household's quantity in one group buy."""

    group_buy = models.ForeignKey(GroupBuy, on_delete=models.CASCADE, related_name="commitments")
    household_key = models.CharField(max_length=64)
    # Whoever of the household last set the quantity: the name and address on the order.
    resident = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="group_buy_commitments",
    )
    quantity = _quantity(default=Decimal("0"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    notified_at = models.DateTimeField(null=True, blank=True)
    handover = models.CharField(max_length=10, choices=Handover.choices, blank=True, default="")
    handover_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("commitment")
        verbose_name_plural = _("commitments")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["group_buy", "household_key"], name="one_commitment_per_household"
            ),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="commitment_not_negative"),
        ]

    def __str__(self) -> str:
        who = self.resident.full_name if self.resident else "—"
        return f"{self.group_buy} — {who} ({self.quantity})"


class IdempotentRequest(models.Model):
    """An API request made with an `Idempotency-Key`: applied once, its answer replayed."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100)
    fingerprint = models.CharField(max_length=64)
    response = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="one_request_per_idempotency_key")
        ]

    def __str__(self) -> str:
        return self.key


class PartnerCategory(models.TextChoices):
    CAR_SHARING = "car_sharing", _("Car sharing")
    STORAGE = "storage", _("Storage between neighbours")
    PRODUCERS = "producers", _("AMAP and producer networks")
    REPAIR = "repair", _("Repair cafés")
    OTHER = "other", _("Other services")


class Partner(models.Model):
    """A service the council recommends to residents."""

    name = models.CharField(_("name"), max_length=160)
    category = models.CharField(_("category"), max_length=16, choices=PartnerCategory.choices)
    description = models.TextField(_("description"), blank=True)
    link = models.URLField(_("link"), blank=True)
    logo = models.ImageField(_("logo"), upload_to="partners/", blank=True)
    neighbourhoods = models.ManyToManyField(
        Neighbourhood,
        blank=True,
        related_name="partners",
        verbose_name=_("neighbourhoods served"),
        help_text=_("None chosen: the whole council."),
    )
    member_offer = models.CharField(
        _("offer for residents"),
        max_length=250,
        blank=True,
        help_text=_("E.g. first month free for residents of the council."),
    )
    is_published = models.BooleanField(_("shown to residents"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        ordering = ["category", "name"]

    def __str__(self) -> str:
        return self.name


class PartnerUse(models.Model):
    """A resident's "I use it"."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="uses")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="partner_uses"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["partner", "user"], name="one_use_per_resident")
        ]

    def __str__(self) -> str:
        return f"{self.partner} ({self.user_id})"
