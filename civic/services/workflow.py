"""Staff moving reports along the workflow, and the reporter's own follow-up.

Every staff change checks the actor's role (civic.policy) first and writes one row in the staff
audit log (core.audit) as well as the report's public timeline, in the same transaction."""

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.audit import audit_record

from .. import policy
from ..models import OPEN_STATUSES, Category, IssueReport, ReportEvent, Status
from ._common import event, require_staff, require_triage, touch

# Which status a staff member may move a report to, from each status. Duplicates are made by
# merging (report_mark_duplicate), never by a plain status change.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    Status.SUBMITTED: (
        Status.ACKNOWLEDGED,
        Status.IN_PROGRESS,
        Status.FIXED,
        Status.CLOSED,
        Status.REJECTED,
    ),
    Status.ACKNOWLEDGED: (Status.IN_PROGRESS, Status.FIXED, Status.CLOSED, Status.REJECTED),
    Status.IN_PROGRESS: (Status.ACKNOWLEDGED, Status.FIXED, Status.CLOSED, Status.REJECTED),
    Status.FIXED: (Status.CLOSED, Status.IN_PROGRESS),
    Status.CLOSED: (Status.IN_PROGRESS,),
    Status.REJECTED: (Status.ACKNOWLEDGED,),
    Status.DUPLICATE: (Status.ACKNOWLEDGED,),
}
# The statuses a staff member can set by hand (forms and API offer these, in Status order).
SETTABLE_STATUSES: tuple[Status, ...] = tuple(
    s for s in Status if any(s in targets for targets in TRANSITIONS.values())
)


def _set_status(
    report: IssueReport,
    *,
    actor: User | None,
    status: str,
    public_note: str,
    kind: str = ReportEvent.Kind.STATUS,
    **data: Any,
) -> ReportEvent:
    previous = report.status
    report.status = status
    report.status_changed_at = timezone.now()
    if status in OPEN_STATUSES and previous not in OPEN_STATUSES:
        # Back in the queue: a new deadline from now.
        report.due_at = timezone.now() + timedelta(days=report.category.response_days)
    touch(report, "status", "status_changed_at", "due_at", "rejection_reason", "duplicate_of")
    return event(
        report,
        kind,
        actor=actor,
        public_note=public_note,
        from_status=previous,
        to_status=status,
        **data,
    )


@transaction.atomic
def report_status_change(
    *,
    report: IssueReport,
    actor: User,
    status: str,
    public_note: str = "",
    rejection_reason: str = "",
) -> ReportEvent:
    """A staff member moves a report along the workflow, optionally with a public note."""
    require_staff(actor, report)
    report = IssueReport.objects.select_for_update().select_related("category").get(pk=report.pk)
    if status == Status.DUPLICATE:
        raise ValidationError(_("Use “merge” to mark a report as a duplicate."), code="bad_status")
    if status not in TRANSITIONS.get(report.status, ()):
        raise ValidationError(
            _("A report that is “%(current)s” cannot become “%(new)s”.")
            % {
                "current": Status(report.status).label,
                "new": Status(status).label if status in Status.values else status,
            },
            code="bad_transition",
        )
    previous = report.status
    if status == Status.REJECTED:
        if not rejection_reason.strip():
            raise ValidationError({"rejection_reason": _("Give the reason for rejecting it.")})
        report.rejection_reason = rejection_reason.strip()
        public_note = public_note or rejection_reason
    report.duplicate_of = None
    row = _set_status(report, actor=actor, status=status, public_note=public_note)
    audit_record(
        actor=actor,
        action="civic.report_status_change",
        target=report,
        before={"status": previous},
        after={"status": status},
        data={"public_note": bool(public_note.strip())},
    )
    return row


@transaction.atomic
def report_category_change(*, report: IssueReport, actor: User, category: Category) -> IssueReport:
    """Route a report to another category (and so to its team); the deadline follows the new
    category's response time, counted from the report's creation."""
    require_staff(actor, report)
    if category.pk == report.category_id:
        return report
    previous = report.category
    report.category = category
    report.due_at = report.created_at + timedelta(days=category.response_days)
    touch(report, "category", "due_at")
    event(
        report,
        ReportEvent.Kind.CATEGORY,
        actor=actor,
        notify=False,
        previous=previous.code,
        category=category.code,
    )
    audit_record(
        actor=actor,
        action="civic.report_category_change",
        target=report,
        before={"category": previous.code},
        after={"category": category.code},
    )
    return report


@transaction.atomic
def report_note_add(
    *, report: IssueReport, actor: User, public_note: str = "", internal_note: str = ""
) -> ReportEvent:
    require_staff(actor, report)
    if not public_note.strip() and not internal_note.strip():
        raise ValidationError(_("Write a note."))
    touch(report)
    row = event(
        report,
        ReportEvent.Kind.NOTE,
        actor=actor,
        public_note=public_note,
        internal_note=internal_note,
        public=bool(public_note.strip()),
    )
    # The notes themselves are on the report's history; the log says one was written.
    audit_record(
        actor=actor,
        action="civic.report_note_add",
        target=report,
        data={"public": bool(public_note.strip()), "internal": bool(internal_note.strip())},
    )
    return row


def reports_bulk_status_change(
    *,
    reports: Sequence[IssueReport],
    actor: User,
    status: str,
    public_note: str = "",
    rejection_reason: str = "",
) -> tuple[list[int], dict[int, str]]:
    """Each report changed in its own transaction (one audit row each); returns the ids changed
    and an error message for each report that was not. Someone who may not triage at all is
    refused outright."""
    require_triage(actor)
    changed: list[int] = []
    errors: dict[int, str] = {}
    for report in reports:
        try:
            report_status_change(
                report=report,
                actor=actor,
                status=status,
                public_note=public_note,
                rejection_reason=rejection_reason,
            )
        except ValidationError as error:
            errors[report.pk] = "; ".join(error.messages)
        except PermissionDenied as error:
            errors[report.pk] = str(error)
        else:
            changed.append(report.pk)
    return changed, errors


@transaction.atomic
def report_assign(*, report: IssueReport, actor: User, assignee: User | None) -> IssueReport:
    require_staff(actor, report)
    if assignee is not None and not policy.may_act_on(assignee, report):
        raise ValidationError(
            _("%(name)s does not handle this category.")
            % {"name": assignee.full_name or assignee.email},
            code="bad_assignee",
        )
    previous = report.assignee_id
    report.assignee = assignee
    touch(report, "assignee")
    event(
        report,
        ReportEvent.Kind.ASSIGNED,
        actor=actor,
        public=False,
        assignee=assignee.pk if assignee else None,
    )
    audit_record(
        actor=actor,
        action="civic.report_assign",
        target=report,
        before={"assignee": previous},
        after={"assignee": assignee.pk if assignee else None},
    )
    return report


@transaction.atomic
def report_mark_duplicate(
    *, report: IssueReport, original: IssueReport, actor: User, public_note: str = ""
) -> IssueReport:
    """Merge `report` into `original`: its followers and photos move to the original, it becomes
    a duplicate linking there. Returns the original."""
    require_staff(actor, report)
    while original.status == Status.DUPLICATE and original.duplicate_of is not None:
        original = original.duplicate_of
    require_staff(actor, original)
    if original.pk == report.pk:
        raise ValidationError(_("A report cannot be a duplicate of itself."), code="self")
    if report.status == Status.DUPLICATE:
        raise ValidationError(_("This report is already a duplicate."), code="already")
    report = IssueReport.objects.select_for_update().select_related("category").get(pk=report.pk)
    previous = report.status
    report.duplicate_of = original
    # The duplicate's followers hear about the merge before they move to the original.
    _set_status(
        report,
        actor=actor,
        status=Status.DUPLICATE,
        public_note=public_note,
        kind=ReportEvent.Kind.DUPLICATE,
        original=original.pk,
    )
    existing_users = set(original.followers.exclude(user=None).values_list("user_id", flat=True))
    existing_emails = set(original.followers.filter(user=None).values_list("email", flat=True))
    for follower in report.followers.all():
        if (follower.user_id and follower.user_id in existing_users) or (
            not follower.user_id and follower.email in existing_emails
        ):
            follower.delete()
        else:
            follower.report = original
            follower.save(update_fields=["report"])
    moved_photos = report.photos.update(report=original)
    touch(original)
    event(
        original,
        ReportEvent.Kind.MERGED,
        actor=actor,
        duplicate=report.pk,
        photos=moved_photos,
        notify=False,
    )
    audit_record(
        actor=actor,
        action="civic.report_merge",
        target=report,
        before={"status": previous, "duplicate_of": None},
        after={"status": Status.DUPLICATE, "duplicate_of": original.pk},
        data={"photos_moved": moved_photos},
    )
    return original


# --- the reporter's follow-up ------------------------------------------------------------------


def _require_reporter(report: IssueReport, user: User) -> None:
    if not user.is_authenticated or report.reporter_id != user.pk:
        raise PermissionDenied(_("Only the person who reported it can do this."))


@transaction.atomic
def report_reopen(*, report: IssueReport, user: User, note: str = "") -> ReportEvent:
    """The reporter says it is not fixed: the report goes back to the queue."""
    _require_reporter(report, user)
    report = IssueReport.objects.select_for_update().select_related("category").get(pk=report.pk)
    if report.status not in (Status.FIXED, Status.CLOSED):
        raise ValidationError(_("Only a fixed or closed report can be reopened."), code="not_fixed")
    return _set_status(
        report,
        actor=user,
        status=Status.IN_PROGRESS,
        public_note=note,
        kind=ReportEvent.Kind.REOPENED,
    )


@transaction.atomic
def report_confirm_fixed(*, report: IssueReport, user: User) -> ReportEvent:
    _require_reporter(report, user)
    report = IssueReport.objects.select_for_update().select_related("category").get(pk=report.pk)
    if report.status != Status.FIXED:
        raise ValidationError(_("This report is not marked as fixed."), code="not_fixed")
    return _set_status(
        report,
        actor=user,
        status=Status.CLOSED,
        public_note="",
        kind=ReportEvent.Kind.CONFIRMED_FIXED,
    )
