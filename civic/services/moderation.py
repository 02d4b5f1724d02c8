"""Moderators hiding (and showing again) a report's photos or text. The reporter is told why by
email; the staff audit log records who did it."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from core.audit import audit_record

from ..models import IssueReport, ReportEvent, ReportPhoto
from ..storage import move, private_storage, public_storage
from ._common import event, require_moderator, touch
from .notifications import moderation_notice_queue


def _reason(reason: str) -> str:
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for hiding it.")})
    return reason.strip()[:300]


@transaction.atomic
def report_photo_hide(*, photo: ReportPhoto, actor: User, reason: str) -> ReportPhoto:
    """Hide a photo from the public: its files move to private storage (the public address stops
    answering) and the reporter is told why."""
    require_moderator(actor)
    reason = _reason(reason)
    photo = ReportPhoto.objects.select_for_update().get(pk=photo.pk)
    if photo.is_hidden:
        return photo
    photo.file = move(photo.file, source=public_storage(), target=private_storage())
    photo.thumbnail = move(photo.thumbnail, source=public_storage(), target=private_storage())
    photo.is_hidden, photo.hidden_reason = True, reason
    photo.save(update_fields=["file", "thumbnail", "is_hidden", "hidden_reason"])
    row = event(
        photo.report,
        ReportEvent.Kind.PHOTO_HIDDEN,
        actor=actor,
        public=False,
        internal_note=reason,
        photo=photo.pk,
    )
    audit_record(
        actor=actor,
        action="civic.photo_hide",
        target=photo,
        before={"is_hidden": False},
        after={"is_hidden": True},
        data={"report": photo.report_id, "with_reason": bool(reason.strip())},
    )
    moderation_notice_queue(row)
    return photo


@transaction.atomic
def report_photo_unhide(*, photo: ReportPhoto, actor: User) -> ReportPhoto:
    require_moderator(actor)
    photo = ReportPhoto.objects.select_for_update().get(pk=photo.pk)
    if not photo.is_hidden:
        return photo
    photo.file = move(photo.file, source=private_storage(), target=public_storage())
    photo.thumbnail = move(photo.thumbnail, source=private_storage(), target=public_storage())
    photo.is_hidden, photo.hidden_reason = False, ""
    photo.save(update_fields=["file", "thumbnail", "is_hidden", "hidden_reason"])
    audit_record(
        actor=actor,
        action="civic.photo_show",
        target=photo,
        before={"is_hidden": True},
        after={"is_hidden": False},
        data={"report": photo.report_id},
    )
    return photo


@transaction.atomic
def report_text_hide(*, report: IssueReport, actor: User, reason: str) -> IssueReport:
    """Hide a report's title and description from the public (staff still read them)."""
    require_moderator(actor)
    reason = _reason(reason)
    if report.text_hidden:
        return report
    report.text_hidden, report.text_hidden_reason = True, reason
    touch(report, "text_hidden", "text_hidden_reason")
    row = event(
        report, ReportEvent.Kind.TEXT_HIDDEN, actor=actor, public=False, internal_note=reason
    )
    audit_record(
        actor=actor,
        action="civic.report_text_hide",
        target=report,
        before={"text_hidden": False},
        after={"text_hidden": True},
        data={"with_reason": bool(reason.strip())},
    )
    moderation_notice_queue(row)
    return report


@transaction.atomic
def report_text_unhide(*, report: IssueReport, actor: User) -> IssueReport:
    require_moderator(actor)
    if not report.text_hidden:
        return report
    report.text_hidden, report.text_hidden_reason = False, ""
    touch(report, "text_hidden", "text_hidden_reason")
    audit_record(
        actor=actor,
        action="civic.report_text_show",
        target=report,
        before={"text_hidden": True},
        after={"text_hidden": False},
    )
    return report
