"""Emails about consultations (opening, reminder, outcome), each in the recipient's language,
with a one-click unsubscribe from consultation news."""

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from accounts.models import User
from accounts.services import council_email
from tenants.models import current_council

from .models import Consultation


def consultation_news(
    consultation: Consultation, user: User, *, kind: str, unsubscribe_token: str | None
) -> None:
    """`kind` is "opening", "reminder" or "outcome"."""
    council = current_council()
    base = council.base_url()
    headers = {}
    unsubscribe = ""
    if unsubscribe_token:
        unsubscribe = base + reverse("civic:consultations:unsubscribe", args=[unsubscribe_token])
        headers = {
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
    with translation.override(user.language or council.default_language):
        context = {
            "council": council,
            "consultation": consultation,
            "kind": kind,
            "url": base + consultation.get_absolute_url(),
            "unsubscribe_url": unsubscribe,
        }
        subject = render_to_string("civic/consultations/email/news_subject.txt", context).strip()
        body = render_to_string("civic/consultations/email/news.txt", context)
    council_email(
        to=[user.email], subject=subject, body=body, headers=headers, council=council
    ).send()
