"""Checks shared by the email tests: every email to residents is sent in the council's name,
replies going to the council's contact address."""

from email.utils import parseaddr

from django.conf import settings


def council_contact(council, address: str = "mairie@dinan.example") -> str:
    """Give the council a contact address (the Reply-To of its emails) for this test."""
    council.contact_email = address
    council.save(update_fields=["contact_email"])
    return address


def assert_sent_by_council(message, council) -> None:
    name, address = parseaddr(message.from_email)
    assert name == council.name, message.from_email
    assert address == parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    expected = [council.contact_email] if council.contact_email else []
    assert message.reply_to == expected, (message.subject, message.reply_to)
