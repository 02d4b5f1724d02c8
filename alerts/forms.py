from django import forms
from django.utils.translation import gettext_lazy as _

from community.models import Neighbourhood

from .hazards import HAZARD_CHOICES
from .models import Alert, AlertSettings


class SubscriptionForm(forms.Form):
    WHERE = [
        ("council", _("Everywhere in the council")),
        ("neighbourhoods", _("Only the neighbourhoods I choose")),
    ]
    where = forms.ChoiceField(label=_("Which alerts?"), choices=WHERE, widget=forms.RadioSelect)
    neighbourhoods = forms.ModelMultipleChoiceField(
        label=_("Neighbourhoods"),
        queryset=Neighbourhood.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def clean(self):
        data = super().clean()
        if data.get("where") == "neighbourhoods" and not data.get("neighbourhoods"):
            self.add_error("neighbourhoods", _("Choose at least one neighbourhood."))
        return data


class AlertForm(forms.ModelForm):
    hazard = forms.ChoiceField(
        label=_("Hazard"), choices=[("", "—"), *HAZARD_CHOICES], required=False
    )
    target = forms.ChoiceField(
        label=_("Send to"),
        widget=forms.RadioSelect,
        choices=[
            ("council", _("The whole council")),
            ("neighbourhoods", _("Chosen neighbourhoods")),
        ],
    )
    neighbourhoods = forms.ModelMultipleChoiceField(
        label=_("Neighbourhoods"),
        queryset=Neighbourhood.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    expires_at = forms.DateTimeField(
        label=_("Expires"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M"],
    )

    class Meta:
        model = Alert
        fields = [
            "hazard",
            "language",
            "cap_status",
            "scope",
            "category",
            "event",
            "urgency",
            "severity",
            "certainty",
            "response_type",
            "headline",
            "sms_body",
            "description",
            "instruction",
            "expires_at",
        ]
        widgets = {
            "sms_body": forms.Textarea(attrs={"rows": 4, "maxlength": 1600}),
            "description": forms.Textarea(attrs={"rows": 3}),
            "instruction": forms.Textarea(attrs={"rows": 3}),
        }

    def service_fields(self) -> dict:
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        data["whole_council"] = self.cleaned_data["target"] == "council"
        return data


class AlertSettingsForm(forms.ModelForm):
    twilio_auth_token = forms.CharField(
        label=_("Twilio auth token"),
        required=False,
        widget=forms.PasswordInput,
        help_text=_("Stored encrypted. Leave empty to keep the current one."),
    )
    remove_auth_token = forms.BooleanField(label=_("Remove the stored auth token"), required=False)

    class Meta:
        model = AlertSettings
        fields = [
            "send_rate",
            "monthly_budget_segments",
            "require_approval",
            "delivery_retention_days",
            "twilio_account_sid",
            "twilio_messaging_service_sid",
        ]
