"""What the service modules share: a report's timeline events and the role checks."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User

from .. import policy
from ..models import IssueReport, ReportEvent
from .notifications import follower_emails_queue


def touch(report: IssueReport, *fields: str) -> None:
    report.updated_at = timezone.now()
    report.save(update_fields=[*fields, "updated_at"])


def event(
    report: IssueReport,
    kind: str,
    *,
    actor: User | None = None,
    public: bool = True,
    public_note: str = "",
    internal_note: str = "",
    from_status: str = "",
    to_status: str = "",
    notify: bool = True,
    **data: Any,
) -> ReportEvent:
    """One entry of the report's timeline (the resident-facing history); a public one emails
    the followers unless `notify` is False."""
    row = ReportEvent.objects.create(
        report=report,
        kind=kind,
        actor=actor,
        is_public=public,
        public_note=public_note.strip(),
        internal_note=internal_note.strip(),
        from_status=from_status,
        to_status=to_status,
        data=data,
    )
    if public and notify:
        follower_emails_queue(row, exclude=actor)
    return row


# --- role checks: every staff service calls one before it changes anything --------------------


def require_staff(actor: User, report: IssueReport) -> None:
    if not policy.may_act_on(actor, report):
        raise PermissionDenied(_("You cannot act on reports of this category."))


def require_triage(actor: User) -> None:
    if not policy.may_triage(actor):
        raise PermissionDenied(_("You cannot act on reports of this category."))


def require_moderator(actor: User) -> None:
    if not policy.may_moderate(actor):
        raise PermissionDenied(_("Only moderators can hide content."))


def require_manager(actor: User | None) -> None:
    if not policy.may_manage(actor):
        raise PermissionDenied(_("Only council administrators can do this."))
