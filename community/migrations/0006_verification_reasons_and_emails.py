"""Reasons the platform itself gives (a request cancelled, expired…) are stored as codes and
translated when shown, instead of a sentence in the language of whoever triggered them; and
verification decisions are emailed to the resident once (`emailed_at`).

Expand only: `reason_code` has a database default and `emailed_at` is nullable, so the previous
release keeps inserting rows; the data steps move the sentences both languages stored into codes
(a few rows per resident, each council schema small) and count earlier decisions as told, so
the re-driver does not email them years later."""

from django.db import migrations, models

CHOICES = [
    ("verified_otherwise", "Not needed: your address is verified."),
    ("address_changed", "Cancelled: you changed your address."),
    ("verify_new_address", "You changed your address: please verify the new one."),
    ("not_enough_vouches", "Not enough neighbours vouched in time."),
    ("postcard_expired", "The postcard code expired. Request a new postcard."),
    ("wrong_codes", "Too many wrong codes were entered. Request a new postcard."),
    (
        "proof_not_reviewed",
        "Your document was not reviewed in time and has been deleted. Please send it again.",
    ),
]

# The sentences earlier releases stored, in English and in French, and their codes.
SENTENCES = {
    **{text: code for code, text in CHOICES},
    "Inutile : votre adresse est vérifiée.": "verified_otherwise",
    "Demande annulée : vous avez changé d\u2019adresse.": "address_changed",
    "Vous avez changé d\u2019adresse : merci de faire vérifier la nouvelle.": "verify_new_address",
    "Pas assez de voisins se sont portés garants dans le délai imparti.": "not_enough_vouches",
    "Le code de la carte postale a expiré. Demandez une nouvelle carte postale.": (
        "postcard_expired"
    ),
    "Trop de codes erronés ont été saisis. Demandez une nouvelle carte postale.": "wrong_codes",
    "Votre document n\u2019a pas été examiné à temps et a été supprimé. Merci de l\u2019envoyer à "
    "nouveau.": "proof_not_reviewed",
}


def sentences_to_codes(apps, schema_editor):
    for model in ("Residence", "VerificationRequest"):
        rows = apps.get_model("community", model).objects
        for text, code in SENTENCES.items():
            rows.filter(reason=text).update(reason_code=code, reason="")


def codes_to_sentences(apps, schema_editor):
    for model in ("Residence", "VerificationRequest"):
        rows = apps.get_model("community", model).objects
        for code, text in CHOICES:
            rows.filter(reason_code=code).update(reason=text, reason_code="")


def earlier_decisions_told(apps, schema_editor):
    events = apps.get_model("community", "VerificationEvent").objects
    events.filter(kind__in=["verified", "rejected", "revoked"], emailed_at__isnull=True).update(
        emailed_at=models.F("created_at")
    )


class Migration(migrations.Migration):
    dependencies = [("community", "0005_group_buys_policy_in_settings")]

    operations = [
        migrations.AddField(
            model_name="residence",
            name="reason_code",
            field=models.CharField(
                blank=True, choices=CHOICES, db_default="", default="", max_length=24
            ),
        ),
        migrations.AddField(
            model_name="verificationrequest",
            name="reason_code",
            field=models.CharField(
                blank=True, choices=CHOICES, db_default="", default="", max_length=24
            ),
        ),
        migrations.RunPython(sentences_to_codes, codes_to_sentences),
        migrations.AddField(
            model_name="verificationevent",
            name="emailed_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(earlier_decisions_told, migrations.RunPython.noop),
    ]
