"""Phone numbers: parsed with `phonenumbers` in the council's region, stored in E.164.

A number written the national way ("06 12 34 56 78", "0692 12 34 56") belongs to the council's
region (`Council.phone_region`): in La Réunion 0692… is +262692…, not +33692…. A number with
+ or 00 in front carries its own country. Only numbers `phonenumbers` deems *valid* for their
region are accepted: "+1234567" is refused everywhere, not accepted by one app and refused by
another.
"""

import phonenumbers
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils.translation import gettext as _

DEFAULT_REGION = "FR"


def council_region() -> str:
    """The phone region of the council whose schema is active (FR outside any council)."""
    tenant = getattr(connection, "tenant", None)
    return getattr(tenant, "phone_region", "") or DEFAULT_REGION


def phone_e164(raw: str, region: str | None = None) -> str | None:
    """`raw` as an E.164 number ("+262692123456"), or None when it is not a valid number."""
    text = (raw or "").strip()
    if not text:
        return None
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, region or council_region())
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_parse(raw: str, region: str | None = None) -> str:
    """`raw` as E.164, or ValidationError with a message a resident understands."""
    e164 = phone_e164(raw, region)
    if e164 is None:
        raise ValidationError(
            _("Enter a valid phone number, e.g. %(example)s.")
            % {"example": phone_example(region or council_region())},
            code="bad_phone",
        )
    return e164


def phone_example(region: str) -> str:
    """A mobile number of `region`, written the national way (for help texts and errors)."""
    example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    if example is None:
        return "+33 6 12 34 56 78"
    return phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.NATIONAL)


def phone_display(e164: str, region: str | None = None) -> str:
    """How a resident of the council writes the number: national form for the council's own
    region ("06 12 34 56 78"), international otherwise ("+262 692 12 34 56")."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    own = phonenumbers.region_code_for_number(number) == (region or council_region())
    fmt = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if own
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, fmt)


def phone_masked(phone: str) -> str:
    """+33 6 •• •• •5 78: enough for staff to tell numbers apart in reports."""
    return phone[:4] + "•" * max(len(phone) - 7, 0) + phone[-3:] if len(phone) > 7 else phone
