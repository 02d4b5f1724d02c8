from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from PIL import Image

from tenants.models import COLOUR_VALIDATOR, TIMEZONE_CHOICES

MAX_LOGO_BYTES = 1024 * 1024


class CouncilSettingsForm(forms.Form):
    name = forms.CharField(label=_("Council name"), max_length=120)
    logo = forms.ImageField(
        label=_("Logo"), required=False, help_text=_("PNG or JPEG, at most 1 MB.")
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
    contact_email = forms.EmailField(label=_("Contact email"), required=False)

    def clean_logo(self):
        logo = self.cleaned_data.get("logo")
        if not logo:
            return logo
        if logo.size > MAX_LOGO_BYTES:
            raise ValidationError(_("The logo is larger than 1 MB."))
        # ImageField already opened it with Pillow; the format is read from the content.
        if getattr(logo, "image", None) is None or logo.image.format not in {"PNG", "JPEG"}:
            raise ValidationError(_("The logo must be a PNG or JPEG image."))
        return logo

    def clean(self):
        data = super().clean()
        default, offered = data.get("default_language"), data.get("languages")
        if default and offered is not None and default not in offered:
            data["languages"] = [default, *offered]
        return data


def reencode_logo(upload) -> tuple[str, bytes]:
    """Re-encode an uploaded logo (drops metadata and anything appended to the image)."""
    import io

    upload.seek(0)
    with Image.open(upload) as image:
        image.thumbnail((600, 600))
        out = io.BytesIO()
        fmt = "PNG" if image.format == "PNG" else "JPEG"
        if fmt == "JPEG" and image.mode not in {"RGB", "L"}:
            image = image.convert("RGB")
        image.save(out, fmt)
    return ("logo.png" if fmt == "PNG" else "logo.jpg"), out.getvalue()
