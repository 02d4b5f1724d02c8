"""Forms of mutual aid: they parse input; services decide. Photos are read from
request.FILES["photos"] by the views."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import Neighbourhood
from .models import AidCategory, Compensation, ListingKind, Reach


class ListingForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("I post"), choices=ListingKind.choices, widget=forms.RadioSelect
    )
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=AidCategory.objects.filter(is_active=True)
    )
    title = forms.CharField(label=_("Title"), max_length=120)
    description = forms.CharField(label=_("Description"), max_length=4000, widget=forms.Textarea)
    compensation = forms.ChoiceField(
        label=_("Compensation"),
        choices=Compensation.choices,
        initial=Compensation.FREE,
        help_text=_(
            "Agreed and settled between neighbours: the platform never handles money and takes "
            "no commission."
        ),
    )
    amount = forms.DecimalField(
        label=_("Amount (€)"), required=False, min_value=0, max_digits=7, decimal_places=2
    )
    availability = forms.CharField(
        label=_("Availability"),
        max_length=200,
        required=False,
        help_text=_("For example: weekday evenings, Saturday mornings."),
    )
    reach = forms.ChoiceField(label=_("Who is it for?"), choices=Reach.choices)


class FilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    kind = forms.ChoiceField(
        label=_("Kind"),
        required=False,
        choices=[("", _("Offers and requests")), *ListingKind.choices],
    )
    category = forms.ModelChoiceField(
        label=_("Category"),
        required=False,
        queryset=AidCategory.objects.filter(is_active=True),
        empty_label=_("All categories"),
    )
    neighbourhood = forms.ModelChoiceField(
        label=_("Neighbourhood"),
        required=False,
        queryset=Neighbourhood.objects.all(),
        empty_label=_("All neighbourhoods"),
    )
    free = forms.ChoiceField(
        label=_("Compensation"),
        required=False,
        choices=[("", _("Free or compensated")), ("free", _("Free")), ("paid", _("Compensated"))],
    )
    for_me = forms.BooleanField(
        label=_("Only listings that reach my neighbourhood"), required=False
    )


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Message"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )


class ThankYouForm(forms.Form):
    text = forms.CharField(label=_("Your thank-you (public)"), max_length=280)


class ReportForm(forms.Form):
    reason = forms.CharField(
        label=_("What is wrong?"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )


class LoanForm(forms.Form):
    starts_on = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    due_on = forms.DateField(label=_("Due date"), widget=forms.DateInput(attrs={"type": "date"}))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason (sent to the resident)"), max_length=300)


class SuspendForm(forms.Form):
    days = forms.IntegerField(label=_("Days"), min_value=1, max_value=365, initial=30)
    reason = forms.CharField(label=_("Reason (sent to the resident)"), max_length=300)


class CategoryForm(forms.ModelForm):
    class Meta:
        model = AidCategory
        fields = ["code", "name_fr", "name_en", "icon", "position", "is_active", "is_lending"]
