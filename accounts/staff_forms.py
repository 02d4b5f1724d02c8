from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from tenants.models import COLOUR_VALIDATOR, PHONE_REGION_CHOICES, TIMEZONE_CHOICES


class CouncilSettingsForm(forms.Form):
    name = forms.CharField(label=_("Council name"), max_length=120)
    # A plain file field: the service's image pipeline reads the type from the content and
    # checks the size in pixels before anything is decoded (an ImageField decodes first).
    logo = forms.FileField(
        label=_("Logo"),
        required=False,
        help_text=_("PNG or JPEG, at most 1 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg"}),
    )
    remove_logo = forms.BooleanField(label=_("Remove the logo"), required=False)
    primary_colour = forms.CharField(
        label=_("Primary colour"),
        max_length=7,
        validators=[COLOUR_VALIDATOR],
        widget=forms.TextInput(attrs={"type": "color"}),
    )
    default_language = forms.ChoiceField(label=_("Default language"), choices=settings.LANGUAGES)
    languages = forms.MultipleChoiceField(
        label=_("Languages offered"),
        choices=settings.LANGUAGES,
        widget=forms.CheckboxSelectMultiple,
    )
    timezone = forms.ChoiceField(label=_("Timezone"), choices=TIMEZONE_CHOICES)
    phone_region = forms.ChoiceField(
        label=_("Phone region"),
        choices=PHONE_REGION_CHOICES,
        help_text=_("Phone numbers written without a country code are read as from this region."),
    )
    contact_email = forms.EmailField(label=_("Contact email"), required=False)

    def clean(self):
        data = super().clean()
        default, offered = data.get("default_language"), data.get("languages")
        if default and offered is not None and default not in offered:
            data["languages"] = [default, *offered]
        return data
