from decimal import Decimal, InvalidOperation

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import Neighbourhood
from .models import Delivery, Handover, PartnerCategory, Unit


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


def parse_tiers(text: str) -> list[tuple[Decimal, Decimal]]:
    """ "20: 78" per line (a comma decimal separator is fine) → [(20, 78)]."""
    tiers = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line:
            continue
        quantity, sep, price = line.partition(":")
        if not sep:
            quantity, sep, price = line.partition("=")
        try:
            tiers.append(
                (
                    Decimal(quantity.strip().replace(",", ".")),
                    Decimal(price.strip().rstrip("€ ").replace(",", ".")),
                )
            )
        except InvalidOperation as error:
            raise forms.ValidationError(
                _("Line %(number)s: write the quantity, a colon, then the price."),
                params={"number": number},
            ) from error
    return tiers


def tiers_text(tiers) -> str:
    return "\n".join(f"{q.normalize():f}: {p}" for q, p in tiers)


class GroupBuyForm(forms.Form):
    product = forms.CharField(label=_("Product"), max_length=160)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea, required=False)
    photo = forms.ImageField(label=_("Photo"), required=False)
    supplier_name = forms.CharField(label=_("Supplier"), max_length=160)
    supplier_contact = forms.CharField(label=_("Supplier contact"), max_length=250, required=False)
    supplier_siret = forms.CharField(label=_("SIRET (optional)"), max_length=20, required=False)
    unit = forms.ChoiceField(label=_("Unit"), choices=Unit.choices)
    step = forms.DecimalField(
        label=_("Step"), min_value=Decimal("0.01"), decimal_places=2, initial=1
    )
    retail_price = forms.DecimalField(
        label=_("Usual retail price per unit (€)"), min_value=Decimal("0.01"), decimal_places=2
    )
    tiers = forms.CharField(
        label=_("Price tiers"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "One tier per line: the total quantity from which it applies, a colon, the unit "
            "price. E.g. 1: 85, then 20: 78, then 50: 70."
        ),
    )
    minimum_total = forms.DecimalField(label=_("Minimum total to go ahead"), min_value=0)
    maximum_total = forms.DecimalField(label=_("Maximum total (supplier capacity)"), min_value=0)
    household_min = forms.DecimalField(label=_("Minimum per household"), min_value=0)
    household_max = forms.DecimalField(label=_("Maximum per household"), min_value=0)
    deadline = forms.DateTimeField(label=_("Deadline"), widget=DateTimeLocalInput())
    delivery = forms.ChoiceField(label=_("Delivery"), choices=Delivery.choices)
    pickup_place = forms.CharField(label=_("Pickup place"), max_length=200, required=False)
    pickup_at = forms.DateTimeField(
        label=_("Pickup time"), widget=DateTimeLocalInput(), required=False
    )
    neighbourhoods = forms.ModelMultipleChoiceField(
        label=_("Eligible neighbourhoods"),
        queryset=Neighbourhood.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("None chosen: open to the whole council."),
    )

    def clean_tiers(self):
        return parse_tiers(self.cleaned_data["tiers"])

    def clean_supplier_siret(self):
        return self.cleaned_data["supplier_siret"].replace(" ", "")

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        data["pickup_at"] = data.get("pickup_at") or None
        return data


class CommitmentForm(forms.Form):
    quantity = forms.DecimalField(label=_("Quantity for my household"), min_value=0)


class HandoverForm(forms.Form):
    handover = forms.ChoiceField(choices=Handover.choices, required=False)


class PolicyForm(forms.Form):
    residents_organise_group_buys = forms.BooleanField(
        label=_("Verified residents may organise group buys"), required=False
    )


class PartnerForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=160)
    category = forms.ChoiceField(label=_("Category"), choices=PartnerCategory.choices)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea, required=False)
    link = forms.URLField(label=_("Link"), required=False, assume_scheme="https")
    logo = forms.ImageField(label=_("Logo"), required=False)
    member_offer = forms.CharField(label=_("Offer for residents"), max_length=250, required=False)
    neighbourhoods = forms.ModelMultipleChoiceField(
        label=_("Neighbourhoods served"),
        queryset=Neighbourhood.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("None chosen: the whole council."),
    )
    is_published = forms.BooleanField(label=_("Shown to residents"), required=False, initial=True)
