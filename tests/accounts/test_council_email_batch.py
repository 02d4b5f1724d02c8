"""`CouncilEmailBatch`: many emails with one Subject, the headers encoded once for the batch."""

from email.header import decode_header, make_header

from django.core import mail

from accounts.services import CouncilEmailBatch, council_email


def test_a_batch_email_is_the_council_email_with_the_same_encoded_headers(dinan):
    dinan.contact_email = "mairie@dinan.example"
    subject = "Achat groupé confirmé :\n  Bois de chauffage \u2013 chêne"
    batch = CouncilEmailBatch(subject=subject, council=dinan)
    emails = [
        batch.email(to=[f"foyer{i}@example.org"], body=f"Bonjour foyer {i}") for i in range(2)
    ]
    single = council_email(
        to=["foyer0@example.org"], subject=subject, body="Bonjour foyer 0", council=dinan
    )
    for i, email in enumerate(emails):
        assert email.to == [f"foyer{i}@example.org"] and email.body == f"Bonjour foyer {i}"
        assert (
            email.subject
            == single.subject
            == "Achat groupé confirmé : Bois de chauffage \u2013 chêne"
        )
        assert email.from_email == single.from_email and email.reply_to == ["mairie@dinan.example"]
        built, expected = email.message(), single.message()
        assert built["Subject"] == expected["Subject"] and built["From"] == expected["From"]
        assert str(make_header(decode_header(built["Subject"]))) == single.subject
        assert built["Reply-To"] == "mairie@dinan.example"
        assert built["To"] == f"foyer{i}@example.org"
    # The subject and sender stay readable on the message object itself (the outbox, logs).
    with mail.get_connection() as connection:
        assert connection.send_messages(emails) == 2
    assert [m.subject for m in mail.outbox] == [single.subject] * 2
