"""Mutual aid's emails, each in the recipient's language. They name the other resident by first
name only: nobody's email address or phone number is ever passed on."""

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from accounts.services import council_email
from tenants.models import current_council


def _language(user) -> str:
    return user.language or current_council().default_language


def _send(user, template: str, context: dict) -> None:
    council = current_council()
    with translation.override(_language(user)):
        context = {"council": council, "name": user.get_short_name(), **context}
        subject = render_to_string(f"community/mutual_aid/email/{template}_subject.txt", context)
        body = render_to_string(f"community/mutual_aid/email/{template}.txt", context)
    council_email(to=[user.email], subject=subject, body=body, council=council).send()


def new_messages(conversation, *, recipient, sender, count: int) -> None:
    base = current_council().base_url()
    _send(
        recipient,
        "new_messages",
        {
            "count": count,
            "sender": sender.get_short_name() if sender is not None else "",
            "title": conversation.listing_title,
            "url": base + conversation.get_absolute_url(),
        },
    )


def loan_reminder(loan) -> None:
    base = current_council().base_url()
    for user, role in ((loan.borrower, "borrower"), (loan.lender, "lender")):
        if user is not None and user.is_active:
            _send(
                user,
                "loan_reminder",
                {
                    "loan": loan,
                    "role": role,
                    "url": base + reverse("community:mutual_aid:mine"),
                },
            )


def moderation_notice(user, *, kind: str, reason: str, title: str, until=None) -> None:
    _send(
        user,
        "moderation",
        {
            "kind": kind,
            "reason": reason,
            "title": title,
            "until": until,
            "url": current_council().base_url() + reverse("community:mutual_aid:list"),
        },
    )
