"""Store every phone number in E.164, read in the council's phone region.

Numbers used to be normalised by hand as if every council were in metropolitan France (a
La Réunion "0692 12 34 56" became the invalid "+33692123456"), and the profile stored whatever
was typed. This runs once per schema: each council's numbers are read in its own region. A value
that is not a valid number is left as it is (the resident sees it and can fix it) but its
confirmation is cleared: nobody confirmed a number that cannot receive an SMS.
"""

import phonenumbers
from django.db import migrations

FALLBACK_REGION = "FR"


def _region(apps, schema_editor) -> str:
    Council = apps.get_model("tenants", "Council")
    schema = getattr(schema_editor.connection, "schema_name", "")
    found = Council.objects.filter(schema_name=schema).values_list("phone_region", flat=True)
    return found.first() or FALLBACK_REGION


def _e164(raw: str, region: str) -> str | None:
    text = raw.strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    # A "+33692…" written by the old normalisation is a national number of the region with the
    # wrong country code: read it again without it.
    if region != "FR" and text.startswith("+33"):
        try:
            wrong = phonenumbers.parse(text, None)
        except phonenumbers.NumberParseException:
            wrong = None
        if wrong is not None and not phonenumbers.is_valid_number(wrong):
            text = "0" + text[3:]
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_phones(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    region = _region(apps, schema_editor)
    for user in User.objects.exclude(phone="").only("pk", "phone", "phone_confirmed_at"):
        e164 = _e164(user.phone, region)
        if e164 is None:
            if user.phone_confirmed_at is not None:
                user.phone_confirmed_at = None
                user.save(update_fields=["phone_confirmed_at"])
        elif e164 != user.phone:
            user.phone = e164
            user.save(update_fields=["phone"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_phone_confirmed"),
        ("tenants", "0002_council_phone_region"),
    ]

    operations = [migrations.RunPython(normalise_phones, migrations.RunPython.noop)]
