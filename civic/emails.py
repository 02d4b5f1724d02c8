"""The emails of street reporting, each in the recipient's language."""

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from accounts.services import council_email
from tenants.models import current_council

from .models import ReportEvent, ReportFollower, Status


def _language(user) -> str:
    return (
        user.language if user is not None and user.language else current_council().default_language
    )


def follower_update(event: ReportEvent, follower: ReportFollower) -> None:
    """One public update to one follower, with a one-click unsubscribe (link and RFC 8058
    List-Unsubscribe-Post header)."""
    council = current_council()
    report = event.report
    base = council.base_url()
    unsubscribe = base + reverse("civic:unsubscribe", args=[follower.unsubscribe_token])
    is_reporter = follower.user_id is not None and follower.user_id == report.reporter_id
    with translation.override(_language(follower.user)):
        context = {
            "council": council,
            "report": report,
            "event": event,
            "Kind": ReportEvent.Kind,
            "report_url": base + report.get_absolute_url(),
            "unsubscribe_url": unsubscribe,
            "ask_if_fixed": is_reporter and event.to_status == Status.FIXED,
            "original_url": base + report.duplicate_of.get_absolute_url()
            if report.duplicate_of is not None
            else "",
        }
        subject = render_to_string("civic/email/update_subject.txt", context).strip()
        body = render_to_string("civic/email/update.txt", context)
    council_email(
        to=[follower.address],
        subject=subject,
        body=body,
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
        council=council,
    ).send()


def moderation_notice(event: ReportEvent) -> None:
    """Tell the reporter that a photo or the text of their report was hidden, and why."""
    council = current_council()
    report = event.report
    with translation.override(_language(report.reporter)):
        context = {
            "council": council,
            "report": report,
            "event": event,
            "report_url": council.base_url() + report.get_absolute_url(),
            "what": event.kind,
            "Kind": ReportEvent.Kind,
        }
        subject = render_to_string("civic/email/moderation_subject.txt", context).strip()
        body = render_to_string("civic/email/moderation.txt", context)
    if report.reporter is not None:
        council_email(
            to=[report.reporter.email], subject=subject, body=body, council=council
        ).send()
