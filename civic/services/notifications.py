"""Emails of street reporting: queued with the change that causes them, sent by Celery tasks.

The tasks module imports this package, so the tasks are imported here only when a change is
queued (never at import time), and sent once the transaction commits."""

from django.db import transaction
from django.utils import timezone

from accounts.models import User

from ..models import ReportEvent, ReportNotification


def follower_emails_queue(event: ReportEvent, *, exclude: User | None) -> None:
    """One email per follower of the event's report (not to `exclude`, who caused it)."""
    # Deactivated accounts get nothing; followers known only by email (Open311) do.
    followers = event.report.followers.exclude(user__is_active=False)
    if exclude is not None:
        followers = followers.exclude(user=exclude)
    rows = [ReportNotification(event=event, follower=f) for f in followers]
    if not rows:
        return
    ReportNotification.objects.bulk_create(rows, ignore_conflicts=True)
    from ..tasks import send_report_notifications

    transaction.on_commit(lambda: send_report_notifications.delay(event.pk))


def moderation_notice_queue(event: ReportEvent) -> None:
    """Tell the reporter, once the transaction commits, that something of theirs was hidden."""
    from ..tasks import send_moderation_notice

    transaction.on_commit(lambda: send_moderation_notice.delay(event.pk))


def report_notifications_send(*, event_id: int) -> int:
    """Send the not-yet-sent follower emails of one event; returns how many were sent."""
    from .. import emails

    pending = ReportNotification.objects.filter(event_id=event_id, sent_at=None).select_related(
        "event__report__category", "event__report__reporter", "follower__user"
    )
    sent = 0
    for notification in pending:
        # Claim the row first: a concurrent run of the same task skips it.
        claimed = ReportNotification.objects.filter(pk=notification.pk, sent_at=None).update(
            sent_at=timezone.now()
        )
        if not claimed:
            continue
        try:
            emails.follower_update(notification.event, notification.follower)
        except Exception:
            ReportNotification.objects.filter(pk=notification.pk).update(sent_at=None)
            raise
        sent += 1
    return sent


def moderation_notice_send(*, event_id: int) -> None:
    from .. import emails

    event = (
        ReportEvent.objects.select_related("report__reporter", "report__category")
        .filter(pk=event_id)
        .first()
    )
    reporter = event.report.reporter if event is not None else None
    if event is not None and reporter is not None and reporter.is_active:
        emails.moderation_notice(event)
