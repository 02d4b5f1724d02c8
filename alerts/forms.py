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


class SendConfirmForm(forms.Form):
    """The last step before an alert goes out: the sender saw how many people it reaches, and
    for a real alert to the whole council typed the council's name, so that one click can never
    text every subscriber."""

    recipients = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    typed = forms.CharField(label=_("Type the council's name to confirm"), required=False)

    def __init__(self, *args, recipients: int, phrase: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.expected_recipients = recipients
        self.phrase = phrase
        self.fields["recipients"].initial = recipients
        if phrase:
            self.fields["typed"].help_text = _("Type “%(phrase)s”.") % {"phrase": phrase}
            self.fields["typed"].widget.attrs["autocomplete"] = "off"
        else:
            del self.fields["typed"]

    def clean_recipients(self) -> int:
        value = self.cleaned_data["recipients"]
        if value != self.expected_recipients:
            raise forms.ValidationError(
                _("The number of recipients changed since you looked: check it again.")
            )
        return value

    def clean_typed(self) -> str:
        typed = " ".join(self.cleaned_data.get("typed", "").split())
        if not typed:
            raise forms.ValidationError(_("Type the council's name to send this alert."))
        if typed.casefold() != self.phrase.casefold():
            raise forms.ValidationError(_("This is not the council's name."))
        return typed
