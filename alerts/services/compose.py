"""An alert's life before and at sending: create, edit, submit, approve, test send, send;
updates and cancellations that reference a sent alert; the council's alert settings."""

import math
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from community.models import Neighbourhood
from core import ratelimit
from core.audit import audit_record
from core.sms import SmsError, get_backend
from tenants.models import current_council

from ..credentials import council_credentials, secret_encrypt
from ..models import Alert, AlertEvent, AlertRecipient, AlertSettings, AlertTestSend
from ..policy import alert_role_check, settings_role_check
from ..segments import sms_segments
from ..selectors import alert_settings, recipients_sql, segments_used_this_month
from .subscriptions import event_record, user_phone

EDITABLE_FIELDS = (
    "cap_status",
    "scope",
    "hazard",
    "language",
    "category",
    "event",
    "urgency",
    "severity",
    "certainty",
    "response_type",
    "headline",
    "description",
    "instruction",
    "sms_body",
    "expires_at",
    "whole_council",
)
# Who may send to how many people how often: a stolen staff session must not be able to text
# the whole council in a loop.
SEND_LIMIT_PER_HOUR = 20
TEST_SEND_LIMIT_PER_HOUR = 5


def _validate(alert: Alert, neighbourhoods: Sequence[Neighbourhood]) -> None:
    errors: dict[str, str] = {}
    if not alert.sms_body.strip():
        errors["sms_body"] = _("Write the text of the SMS.")
    elif len(alert.sms_body) > 1600:
        errors["sms_body"] = _("An SMS cannot be longer than 1600 characters.")
    if not alert.whole_council and not neighbourhoods:
        errors["neighbourhoods"] = _("Choose the whole council or at least one neighbourhood.")
    if alert.expires_at is not None and alert.expires_at <= timezone.now():
        errors["expires_at"] = _("The expiry must be in the future.")
    if not alert.headline.strip():
        errors["headline"] = _("Write a headline.")
    if errors:
        raise ValidationError(errors)


def _apply(alert: Alert, fields: dict[str, Any]) -> None:
    for name, value in fields.items():
        if name not in EDITABLE_FIELDS:
            raise ValueError(f"{name} cannot be set on an alert")
        setattr(alert, name, value)
    if not alert.event:
        alert.event = alert.headline[:120]


@transaction.atomic
def alert_create(
    *,
    author: User,
    fields: dict[str, Any],
    neighbourhoods: Sequence[Neighbourhood] = (),
    references: Alert | None = None,
    msg_type: str = Alert.MsgType.ALERT,
) -> Alert:
    """A draft alert. With `references`, an Update or Cancel of that sent alert."""
    alert_role_check(author)
    alert = Alert(created_by=author, msg_type=msg_type)
    if references is not None:
        if not references.is_sent:
            raise ValidationError(_("Only a sent alert can be updated or cancelled."))
        if references.msg_type == Alert.MsgType.CANCEL:
            raise ValidationError(_("A cancellation cannot be updated or cancelled."))
        if msg_type not in (Alert.MsgType.UPDATE, Alert.MsgType.CANCEL):
            raise ValidationError(
                _("A message referencing an alert is an update or a cancellation.")
            )
        alert.references = references
    elif msg_type != Alert.MsgType.ALERT:
        raise ValidationError(_("An update or cancellation must reference a sent alert."))
    _apply(alert, fields)
    _validate(alert, neighbourhoods)
    alert.save()
    alert.neighbourhoods.set([] if alert.whole_council else neighbourhoods)
    event_record(AlertEvent.Kind.CREATED, alert=alert, actor=author, msg_type=alert.msg_type)
    audit_record(
        actor=author,
        action="alerts.alert_create",
        target=alert,
        after=_audited(alert),
        data=_about(alert),
    )
    return alert


def _audited(alert: Alert) -> dict[str, Any]:
    """The alert's fields as the audit log keeps them (texts, target, state; no one's number)."""
    values: dict[str, Any] = {name: getattr(alert, name) for name in EDITABLE_FIELDS}
    values["neighbourhoods"] = sorted(alert.neighbourhoods.values_list("pk", flat=True))
    values["state"] = alert.state
    return values


def _about(alert: Alert) -> dict[str, Any]:
    about: dict[str, Any] = {"identifier": alert.identifier, "msg_type": alert.msg_type}
    if alert.references_id:
        about["references"] = alert.references.identifier if alert.references else None
    return about


def alert_followup_defaults(
    original: Alert, msg_type: str
) -> tuple[dict[str, Any], list[Neighbourhood]]:
    """Fields for an update or cancellation of `original`: same CAP fields and target."""
    fields = {name: getattr(original, name) for name in EDITABLE_FIELDS}
    if msg_type == Alert.MsgType.CANCEL:
        fields["response_type"] = Alert.ResponseType.ALL_CLEAR
        fields["urgency"] = Alert.Urgency.PAST
        fields["headline"] = (_("Cancelled: %(headline)s") % {"headline": original.headline})[:160]
        fields["sms_body"] = _("%(council)s - END OF ALERT: %(headline)s. The alert is lifted.") % {
            "council": current_council().name,
            "headline": original.headline,
        }
    fields["expires_at"] = None
    return fields, list(original.neighbourhoods.all())


@transaction.atomic
def alert_edit(
    *,
    alert: Alert,
    actor: User,
    fields: dict[str, Any],
    neighbourhoods: Sequence[Neighbourhood] = (),
) -> Alert:
    """Change a draft. Editing an approved alert withdraws the approval."""
    alert_role_check(actor)
    alert = Alert.objects.select_for_update().get(pk=alert.pk)
    before = _audited(alert)
    if alert.is_sent:
        raise ValidationError(_("A sent alert cannot be changed: send an update instead."))
    _apply(alert, fields)
    _validate(alert, neighbourhoods)
    alert.state = Alert.State.DRAFT
    alert.approved_by, alert.approved_at = None, None
    alert.save()
    alert.neighbourhoods.set([] if alert.whole_council else neighbourhoods)
    event_record(AlertEvent.Kind.EDITED, alert=alert, actor=actor)
    after = _audited(alert)
    changed = [name for name in after if after[name] != before[name]]
    audit_record(
        actor=actor,
        action="alerts.alert_edit",
        target=alert,
        before={name: before[name] for name in changed},
        after={name: after[name] for name in changed},
        data=_about(alert),
    )
    return alert


def approval_required(alert: Alert) -> bool:
    """Whether a second person must approve before sending. Every alert sent reaches real
    phones, whatever its CAP status ("Test" and "Exercise" included), so the council's rule
    applies to all of them; a test of the text goes to its author's phone (alert_test_send)."""
    return alert_settings().require_approval


@transaction.atomic
def alert_submit(*, alert: Alert, actor: User) -> Alert:
    alert_role_check(actor)
    alert = Alert.objects.select_for_update().get(pk=alert.pk)
    if alert.state != Alert.State.DRAFT:
        raise ValidationError(_("Only a draft can be submitted for approval."))
    alert.state = Alert.State.AWAITING_APPROVAL
    alert.save(update_fields=["state", "updated_at"])
    event_record(AlertEvent.Kind.SUBMITTED, alert=alert, actor=actor)
    _audit_state(actor, "alerts.alert_submit", alert, Alert.State.DRAFT)
    return alert


def _audit_state(actor: User, action: str, alert: Alert, before: str) -> None:
    audit_record(
        actor=actor,
        action=action,
        target=alert,
        before={"state": before},
        after={"state": alert.state},
        data=_about(alert),
    )


@transaction.atomic
def alert_approve(*, alert: Alert, actor: User) -> Alert:
    """Second-person approval: someone other than the author approves the text as it is."""
    alert_role_check(actor)
    alert = Alert.objects.select_for_update().get(pk=alert.pk)
    before = alert.state
    if alert.state not in (Alert.State.DRAFT, Alert.State.AWAITING_APPROVAL):
        raise ValidationError(_("This alert is not waiting for approval."))
    # Whoever wrote any of the text is one of its authors: the editor of a colleague's draft
    # cannot approve it either.
    if (
        alert.created_by_id == actor.pk
        or alert.events.filter(kind=AlertEvent.Kind.EDITED, actor=actor).exists()
    ):
        raise PermissionDenied(_("An alert must be approved by someone other than its author."))
    alert.state = Alert.State.APPROVED
    alert.approved_by, alert.approved_at = actor, timezone.now()
    alert.save(update_fields=["state", "approved_by", "approved_at", "updated_at"])
    event_record(AlertEvent.Kind.APPROVED, alert=alert, actor=actor)
    _audit_state(actor, "alerts.alert_approve", alert, before)
    return alert


def alert_test_send(*, alert: Alert, actor: User) -> AlertTestSend:
    """Send the alert's text to the author's own confirmed phone, now."""
    alert_role_check(actor)
    phone = user_phone(actor)
    if phone is None:
        raise ValidationError(
            _("Confirm your own mobile number (My phone number, /phone/) to test an alert.")
        )
    ratelimit.enforce(
        f"alerts:test-send:{actor.pk}",
        limit=TEST_SEND_LIMIT_PER_HOUR,
        window=3600,
        message=_("Too many test messages: try again in an hour."),
    )
    try:
        sid = get_backend(credentials=council_credentials()).send(to=phone, body=alert.sms_body)
    except SmsError as error:
        raise ValidationError(
            _("The test message could not be sent: %(reason)s") % {"reason": error}
        ) from error
    with transaction.atomic():
        test = AlertTestSend.objects.create(
            alert=alert,
            user=actor,
            phone=phone,
            message_sid=sid,
            segments=sms_segments(alert.sms_body).segments,
        )
        event_record(AlertEvent.Kind.TEST_SENT, alert=alert, actor=actor, sid=sid)
        # The number it went to is the actor's own: kept on the test send row, not in the log.
        audit_record(
            actor=actor,
            action="alerts.alert_test_send",
            target=alert,
            data={**_about(alert), "segments": test.segments},
        )
    return test


def _insert_recipients(alert: Alert) -> int:
    """Resolve the recipients once and persist one row per alert x number, in batches. The
    numbers are distinct and the alert row is locked by the caller: no ON CONFLICT needed (its
    speculative insertion is slow); the unique constraint still forbids a second row."""
    sql, params = recipients_sql(
        whole_council=alert.whole_council,
        neighbourhood_ids=list(alert.neighbourhoods.values_list("pk", flat=True)),
    )
    table = AlertRecipient._meta.db_table
    params.update(alert=alert.pk, batch_size=settings.ALERTS_BATCH_SIZE)
    with connection.cursor() as cursor:
        # Sorting 100,000 numbers needs more than the default 4 MB, or it spills to disk.
        cursor.execute("SET LOCAL work_mem = '64MB'")
        cursor.execute(
            f"""
            INSERT INTO {table} (alert_id, user_id, phone, batch, status, status_rank, attempts,
                                 resent_after_crash, error_message, created_at, updated_at)
            SELECT %(alert)s, r.user_id, r.phone,
                   (row_number() OVER (ORDER BY r.phone) - 1) / %(batch_size)s,
                   'pending', 0, 0, false, '', now(), now()
            FROM ({sql}) r
            """,  # noqa: S608  (table names from models, values are parameters)
            params,
        )
        return cursor.rowcount


@transaction.atomic
def alert_send(*, alert: Alert, actor: User) -> Alert:
    """Send: resolve and persist the recipients, then (after commit) enqueue one Celery task per
    batch. Refused when approval is required and missing, or when a non-emergency alert would
    go over the monthly budget."""
    from .delivery import alert_batches_enqueue, alert_complete_if_done

    alert_role_check(actor)
    alert = Alert.objects.select_for_update().get(pk=alert.pk)
    before = alert.state
    if alert.is_sent:
        raise ValidationError(_("This alert has already been sent."))
    if approval_required(alert) and (
        alert.state != Alert.State.APPROVED or alert.approved_by_id is None
    ):
        raise PermissionDenied(_("This alert must be approved by a second person first."))
    ratelimit.enforce(
        f"alerts:send:{actor.pk}",
        limit=SEND_LIMIT_PER_HOUR,
        window=3600,
        message=_("Too many alerts sent in the last hour."),
    )

    info = sms_segments(alert.sms_body)
    alert.encoding, alert.segments = info.encoding, info.segments
    alert.save(update_fields=["encoding", "segments"])
    count = _insert_recipients(alert)

    config = alert_settings()
    if config.monthly_budget_segments is not None and not alert.is_emergency:
        # This alert is not counted yet: it has no dispatch time until below.
        used = segments_used_this_month(current_council().timezone)
        if used + count * info.segments > config.monthly_budget_segments:
            raise ValidationError(
                _(
                    "This alert needs %(needed)s SMS segments but only %(left)s are left in this "
                    "month's budget. Only emergencies (severe or extreme) can still be sent."
                )
                % {
                    "needed": count * info.segments,
                    "left": max(config.monthly_budget_segments - used, 0),
                }
            )

    alert.state = Alert.State.SENDING
    alert.dispatched_at = timezone.now().replace(microsecond=0)
    alert.recipient_count = count
    alert.save(update_fields=["state", "dispatched_at", "recipient_count", "updated_at"])
    event_record(
        AlertEvent.Kind.DISPATCHED,
        alert=alert,
        actor=actor,
        recipients=count,
        segments=info.segments,
    )
    if alert.references_id:
        _supersede(alert, actor)
    # Sending a cancellation is what cancels the alerts it references: audited as such.
    audit_record(
        actor=actor,
        action=(
            "alerts.alert_cancel" if alert.msg_type == Alert.MsgType.CANCEL else "alerts.alert_send"
        ),
        target=alert,
        before={"state": before},
        after={"state": alert.state},
        data={**_about(alert), "recipients": count, "segments": info.segments},
    )
    batches = math.ceil(count / settings.ALERTS_BATCH_SIZE)
    if batches:
        alert_id = alert.pk
        transaction.on_commit(lambda: alert_batches_enqueue(alert_id, batches))
    else:
        alert_complete_if_done(alert.pk)
    return alert


def _supersede(alert: Alert, actor: User) -> None:
    """An update or cancellation replaces the alerts it references; a cancellation also stops
    what they had not yet handed to Twilio."""
    from ..selectors import alert_chain

    for previous in alert_chain(alert):
        event_record(
            AlertEvent.Kind.SUPERSEDED,
            alert=previous,
            actor=actor,
            by=alert.identifier,
            msg_type=alert.msg_type,
        )
        if alert.msg_type == Alert.MsgType.CANCEL:
            previous.recipients.filter(status=AlertRecipient.Status.PENDING).update(
                status=AlertRecipient.Status.SKIPPED, status_rank=4, updated_at=timezone.now()
            )


SETTINGS_FIELDS = (
    "send_rate",
    "monthly_budget_segments",
    "require_approval",
    "delivery_retention_days",
    "twilio_account_sid",
    "twilio_messaging_service_sid",
)


@transaction.atomic
def alert_settings_update(
    *, actor: User, fields: dict[str, Any], auth_token: str | None = None
) -> AlertSettings:
    """Council admins: rate, budget, approval rule, retention of delivery records' numbers, the
    council's own Twilio account. The auth token is stored encrypted; None keeps the stored one,
    "" removes it."""
    settings_role_check(actor)
    config = AlertSettings.objects.select_for_update().get(pk=alert_settings().pk)
    before = {name: getattr(config, name) for name in SETTINGS_FIELDS}
    had_token = bool(config.twilio_auth_token_encrypted)
    for name, value in fields.items():
        if name not in SETTINGS_FIELDS:
            raise ValueError(f"{name} is not an alert setting")
        setattr(config, name, value)
    if auth_token is not None:
        config.twilio_auth_token_encrypted = secret_encrypt(auth_token) if auth_token else ""
    config.full_clean()
    config.save()
    event_record(AlertEvent.Kind.EDITED, actor=actor, settings=sorted(fields))
    changed = [name for name in SETTINGS_FIELDS if getattr(config, name) != before[name]]
    # The token itself never goes in the log: only whether it was set, replaced or removed.
    token = (
        "unchanged"
        if auth_token is None
        else ("removed" if not auth_token else ("replaced" if had_token else "set"))
    )
    audit_record(
        actor=actor,
        action="alerts.settings_update",
        target=config,
        before={name: before[name] for name in changed},
        after={name: getattr(config, name) for name in changed},
        data={"auth_token": token},
    )
    return config
