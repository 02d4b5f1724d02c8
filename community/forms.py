from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .geo import parse_area
from .models import CommunitySettings, Method, Neighbourhood, Status
from .services import PROOF_MAX_BYTES
from .services.residence import SETTINGS_FIELDS


class ResidenceForm(forms.Form):
    address_line1 = forms.CharField(
        label=_("Street address"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "address-line1"}),
    )
    address_line2 = forms.CharField(
        label=_("Flat, building"),
        max_length=200,
        required=False,
        help_text=_("Flat number, building or staircase, if any."),
        widget=forms.TextInput(attrs={"autocomplete": "address-line2"}),
    )
    postcode = forms.RegexField(
        label=_("Postcode"),
        regex=r"^[0-9A-Za-z -]{3,10}$",
        widget=forms.TextInput(attrs={"autocomplete": "postal-code"}),
    )
    city = forms.CharField(
        label=_("Town"),
        max_length=120,
        widget=forms.TextInput(attrs={"autocomplete": "address-level2"}),
    )
    neighbourhood = forms.ModelChoiceField(
        label=_("Neighbourhood"),
        queryset=Neighbourhood.objects.all(),
        required=False,
        empty_label=_("I don't know (suggest from the map point)"),
    )
    latitude = forms.FloatField(
        required=False, min_value=-90, max_value=90, widget=forms.HiddenInput
    )
    longitude = forms.FloatField(
        required=False, min_value=-180, max_value=180, widget=forms.HiddenInput
    )


class ProofForm(forms.Form):
    document = forms.FileField(
        label=_("Proof of address"),
        # Formatted when shown, in the reader's language (not once, at import).
        help_text=lazy(
            lambda: (
                gettext(
                    "A recent energy bill, rent receipt or tax notice: PDF, JPEG or PNG, at most "
                    "%(mb)s MB."
                )
                % {"mb": PROOF_MAX_BYTES // (1024 * 1024)}
            ),
            str,
        )(),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"}
        ),
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=20,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "autocapitalize": "characters",
                "spellcheck": "false",
            }
        ),
    )


class PhoneForm(forms.Form):
    phone = forms.CharField(
        label=_("Mobile phone number"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
    )


class SmsCodeForm(forms.Form):
    code = forms.RegexField(
        label=_("Code received by SMS"),
        regex=r"^\s*\d{6}\s*$",
        error_messages={"invalid": _("Enter the 6 digits of the code.")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (shown to the resident)"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("What you checked (e.g. the document shown)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class QueueFilterForm(forms.Form):
    method = forms.ChoiceField(
        label=_("Method"),
        required=False,
        choices=[("", _("All methods"))] + [c for c in Method.choices if c[0] != Method.IN_PERSON],
    )
    neighbourhood = forms.ModelChoiceField(
        label=_("Neighbourhood"),
        required=False,
        queryset=Neighbourhood.objects.all(),
        empty_label=_("All neighbourhoods"),
    )


class ResidentSearchForm(forms.Form):
    q = forms.CharField(label=_("Name, email or address"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *Status.choices]
    )


class NeighbourhoodForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    area = forms.CharField(
        label=_("Area (GeoJSON)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "Optional. A GeoJSON Polygon or MultiPolygon in longitude/latitude (WGS 84), "
            "e.g. drawn on geojson.io and pasted here."
        ),
    )

    def clean_area(self):
        return parse_area(self.cleaned_data["area"])


class CommunitySettingsForm(forms.ModelForm):
    class Meta:
        model = CommunitySettings
        fields = list(SETTINGS_FIELDS)

    def clean_vouches_required(self):
        value = self.cleaned_data["vouches_required"]
        if value < 1:
            raise forms.ValidationError(_("At least one vouch is needed."))
        return value
