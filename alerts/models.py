"""SMS disaster alerts: who subscribed, who opted out, what was sent to whom and what became of it.

Everything lives in the council's schema. An alert resolves its recipients once, when it is
sent: one AlertRecipient row per alert x phone number (unique), which the Celery batch tasks
then work through (alerts/services/delivery.py).
"""

import hashlib
import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from community.models import Neighbourhood


class AlertSettings(models.Model):
    """The council's alert settings: one row per council schema (see selectors.alert_settings)."""

    send_rate = models.PositiveIntegerField(
        _("sending rate (segments per second)"),
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(1000)],
        help_text=_(
            "The throughput bought from Twilio: about 1 per long code, 10 for a sender "
            "to non-US countries, 100 per short code."
        ),
    )
    monthly_budget_segments = models.PositiveIntegerField(
        _("monthly SMS budget (segments)"),
        null=True,
        blank=True,
        help_text=_(
            "Non-emergency alerts are refused once this month's segments would exceed "
            "it. Empty: no budget."
        ),
    )
    require_approval = models.BooleanField(
        _("second-person approval for actual alerts"),
        default=False,
        help_text=_(
            "An alert with the status Actual must be approved by another staff member "
            "before it can be sent."
        ),
    )
    delivery_retention_days = models.PositiveSmallIntegerField(
        _("keep phone numbers of delivery records (days)"),
        default=90,
        validators=[MinValueValidator(1), MaxValueValidator(730)],
        help_text=_(
            "After this many days the phone numbers of an alert's delivery records are "
            "erased; the counts and statuses stay for statistics."
        ),
    )
    # The council's own Twilio (sub)account; empty fields fall back to the platform's account.
    twilio_account_sid = models.CharField(_("Twilio account SID"), max_length=34, blank=True)
    twilio_auth_token_encrypted = models.TextField(blank=True, editable=False)
    twilio_messaging_service_sid = models.CharField(
        _("Twilio Messaging Service SID"), max_length=34, blank=True
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("alert settings")
        verbose_name_plural = _("alert settings")

    def __str__(self) -> str:
        return str(_("Alert settings"))


class AlertSubscription(models.Model):
    """A resident's opt-in to SMS alerts. Alerts to the whole council reach every subscriber;
    alerts to neighbourhoods reach those who chose one of them or the whole council."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alert_subscription"
    )
    whole_council = models.BooleanField(_("alerts for the whole council"), default=False)
    neighbourhoods = models.ManyToManyField(
        Neighbourhood,
        blank=True,
        related_name="alert_subscriptions",
        verbose_name=_("neighbourhoods"),
    )
    paused = models.BooleanField(_("paused"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("alert subscription")
        verbose_name_plural = _("alert subscriptions")

    def __str__(self) -> str:
        return f"{self.user}"


class OptOutQuerySet(models.QuerySet):
    def of_phone(self, phone: str) -> "OptOutQuerySet":
        return self.filter(phone_hash=optout_hash(phone))


# Prepended to the number before hashing; the SQL that matches recipients against the list
# (selectors.recipients_sql, services.delivery._claim) hashes the same way.
OPTOUT_HASH_PREFIX = "commune-alerts-optout:"


def optout_hash(phone: str) -> str:
    return hashlib.sha256((OPTOUT_HASH_PREFIX + phone).encode()).hexdigest()


def optout_hash_sql(column: str) -> str:
    """SQL computing `optout_hash` of an E.164 `column` (the prefix is the %(optout_prefix)s
    parameter: pass OPTOUT_HASH_PREFIX)."""
    return f"encode(sha256(convert_to(%(optout_prefix)s || {column}, 'UTF8')), 'hex')"


class OptOut(models.Model):
    """A phone number that must never receive an alert: it replied STOP (or Twilio told us it
    did, error 21610), whoever's account it is on.

    Stored as a SHA-256 of the E.164 number, never the number itself. The list must outlive the
    account: a person who said STOP and then deleted their account has still objected, and the
    council must keep honouring it (the right to object, GDPR art. 21, and the opt-out rules
    for SMS; the number may also sit on another account). The hash is enough to honour it
    (every send compares hashes), shows no one the number, and is linked to no account. It is
    still pseudonymous rather than anonymous (numbers can be enumerated), which is the minimum
    the obligation needs; nothing else about the person is kept."""

    class Source(models.TextChoices):
        SMS_REPLY = "sms_reply", _("SMS reply")
        PROVIDER = "provider", _("Reported by Twilio")

    phone_hash = models.CharField(max_length=64, unique=True)
    source = models.CharField(max_length=16, choices=Source.choices)
    keyword = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OptOutQuerySet.as_manager()

    class Meta:
        verbose_name = _("opted-out number")
        verbose_name_plural = _("opted-out numbers")

    def __str__(self) -> str:
        return f"{self.phone_hash[:12]}…"


def new_identifier() -> str:
    # CAP identifiers must not contain spaces, commas, "<" or "&"; this one is also URL-safe.
    return f"commune-{uuid.uuid4().hex}"


class Alert(models.Model):
    class MsgType(models.TextChoices):
        ALERT = "Alert", _("Alert")
        UPDATE = "Update", _("Update")
        CANCEL = "Cancel", _("Cancellation")

    class CapStatus(models.TextChoices):
        ACTUAL = "Actual", _("Actual")
        EXERCISE = "Exercise", _("Exercise")
        TEST = "Test", _("Test")

    class Scope(models.TextChoices):
        PUBLIC = "Public", _("Public")
        RESTRICTED = "Restricted", _("Restricted")

    class Category(models.TextChoices):
        GEO = "Geo", _("Geophysical")
        MET = "Met", _("Meteorological")
        SAFETY = "Safety", _("Public safety")
        SECURITY = "Security", _("Security")
        RESCUE = "Rescue", _("Rescue")
        FIRE = "Fire", _("Fire")
        HEALTH = "Health", _("Health")
        ENV = "Env", _("Environment")
        TRANSPORT = "Transport", _("Transport")
        INFRA = "Infra", _("Infrastructure")
        CBRNE = "CBRNE", _("Chemical, biological, radiological, nuclear or explosive")
        OTHER = "Other", _("Other")

    class Urgency(models.TextChoices):
        IMMEDIATE = "Immediate", _("Immediate")
        EXPECTED = "Expected", _("Expected")
        FUTURE = "Future", _("Future")
        PAST = "Past", _("Past")
        # Contexts: "Unknown" agrees with its noun in French (urgence, gravité, certitude).
        UNKNOWN = "Unknown", pgettext_lazy("urgency", "Unknown")

    class Severity(models.TextChoices):
        EXTREME = "Extreme", _("Extreme")
        SEVERE = "Severe", _("Severe")
        MODERATE = "Moderate", _("Moderate")
        MINOR = "Minor", _("Minor")
        UNKNOWN = "Unknown", pgettext_lazy("severity", "Unknown")

    class Certainty(models.TextChoices):
        OBSERVED = "Observed", _("Observed")
        LIKELY = "Likely", _("Likely")
        POSSIBLE = "Possible", _("Possible")
        UNLIKELY = "Unlikely", _("Unlikely")
        UNKNOWN = "Unknown", pgettext_lazy("certainty", "Unknown")

    class ResponseType(models.TextChoices):
        SHELTER = "Shelter", _("Shelter")
        EVACUATE = "Evacuate", _("Evacuate")
        PREPARE = "Prepare", _("Prepare")
        EXECUTE = "Execute", _("Execute")
        AVOID = "Avoid", _("Avoid")
        MONITOR = "Monitor", _("Monitor")
        ASSESS = "Assess", _("Assess")
        ALL_CLEAR = "AllClear", _("All clear")
        NONE = "None", _("None")

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        AWAITING_APPROVAL = "awaiting_approval", _("Awaiting approval")
        APPROVED = "approved", _("Approved")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")

    identifier = models.CharField(
        max_length=64, unique=True, default=new_identifier, editable=False
    )
    msg_type = models.CharField(
        _("message type"), max_length=8, choices=MsgType.choices, default=MsgType.ALERT
    )
    cap_status = models.CharField(
        _("status"), max_length=10, choices=CapStatus.choices, default=CapStatus.ACTUAL
    )
    scope = models.CharField(_("scope"), max_length=10, choices=Scope.choices, default=Scope.PUBLIC)
    references = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="followups",
        verbose_name=_("updates or cancels"),
    )
    hazard = models.CharField(_("hazard"), max_length=32, blank=True)
    language = models.CharField(
        _("language"), max_length=5, default="fr", choices=settings.LANGUAGES
    )
    category = models.CharField(
        _("category"), max_length=10, choices=Category.choices, default=Category.SAFETY
    )
    event = models.CharField(_("event"), max_length=120)
    urgency = models.CharField(
        _("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.IMMEDIATE
    )
    severity = models.CharField(
        _("severity"), max_length=10, choices=Severity.choices, default=Severity.SEVERE
    )
    certainty = models.CharField(
        _("certainty"), max_length=10, choices=Certainty.choices, default=Certainty.OBSERVED
    )
    response_type = models.CharField(
        _("response type"),
        max_length=10,
        choices=ResponseType.choices,
        default=ResponseType.PREPARE,
    )
    headline = models.CharField(_("headline"), max_length=160)
    description = models.TextField(_("description"), blank=True)
    instruction = models.TextField(_("instruction"), blank=True)
    sms_body = models.TextField(_("SMS text"), max_length=1600)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    whole_council = models.BooleanField(_("whole council"), default=True)
    neighbourhoods = models.ManyToManyField(
        Neighbourhood, blank=True, related_name="alerts", verbose_name=_("neighbourhoods")
    )

    state = models.CharField(max_length=20, choices=State.choices, default=State.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    # Set when sent: CAP's <sent>, the text's size, how many numbers it was addressed to.
    dispatched_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    # Sending's pulse (alerts/services/redrive.py): when a message last moved (handed over or
    # final), when a batch task last recorded anything (a retry too), when the re-driver last
    # enqueued batches again, and when staff were told the alert is stalled.
    progress_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    redriven_at = models.DateTimeField(null=True, blank=True)
    stall_notified_at = models.DateTimeField(null=True, blank=True)
    encoding = models.CharField(max_length=5, blank=True)
    segments = models.PositiveSmallIntegerField(default=0)
    recipient_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["state", "dispatched_at"]),
            # The re-driver asks every council "anything sending?" every few seconds: a probe
            # of this (nearly always empty) index.
            models.Index(
                fields=["dispatched_at"],
                condition=models.Q(state="sending"),
                name="alert_sending",
            ),
        ]

    def __str__(self) -> str:
        return self.headline

    @property
    def is_emergency(self) -> bool:
        """Emergencies (extreme or severe) are sent even when the monthly budget is spent."""
        return self.severity in (self.Severity.EXTREME, self.Severity.SEVERE)

    @property
    def is_sent(self) -> bool:
        return self.state in (self.State.SENDING, self.State.SENT)


class AlertRecipient(models.Model):
    """One alert to one phone number, and what became of it.

    `status_rank` orders the statuses so that updates only move forward (a late "sent" callback
    never overwrites "delivered"); every final status has the same, highest rank.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Queued")
        CLAIMED = "claimed", _("Being handed to Twilio")
        ACCEPTED = "accepted", _("Accepted by Twilio")
        SENT = "sent", _("Sent")
        DELIVERED = "delivered", _("Delivered")
        UNDELIVERED = "undelivered", _("Undelivered")
        FAILED = "failed", _("Failed")
        OPTED_OUT = "opted_out", _("Opted out")
        INVALID = "invalid", _("Invalid number")
        SKIPPED = "skipped", _("Not sent (alert cancelled)")

    # No database constraints on these two: checking them for each of 100,000 rows inserted at
    # once cost more time than the insert itself (bench/bench_alerts.py). Deletions go through
    # Django, which still cascades (alert) and nulls (user) them.
    alert = models.ForeignKey(
        Alert, on_delete=models.CASCADE, related_name="recipients", db_constraint=False
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        db_constraint=False,
    )
    # Erased ("") after the council's retention period (AlertSettings.delivery_retention_days)
    # and when the resident deletes their account; the status and counts stay.
    phone = models.CharField(max_length=20, blank=True)
    batch = models.PositiveIntegerField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    status_rank = models.PositiveSmallIntegerField(default=0)
    # NULL until Twilio accepted the message (unique when set: partial constraint below).
    message_sid = models.CharField(max_length=40, null=True, blank=True)  # noqa: DJ001
    error_code = models.PositiveIntegerField(null=True, blank=True)
    error_message = models.CharField(max_length=255, blank=True)
    # Each hand-over attempt (a 429 puts the row back to pending and counts one more).
    attempts = models.PositiveSmallIntegerField(default=0)
    # Claimed by a worker that died before recording Twilio's answer, then sent again: Twilio
    # may have received this message twice (alerts/services/delivery.py explains).
    resent_after_crash = models.BooleanField(default=False)
    claimed_at = models.DateTimeField(null=True, blank=True)
    # A transient failure (429, 5xx, provider unreachable) puts the row back to pending, not to be
    # tried before `retry_at`; `retry_since` is the first such failure (the give-up clock).
    retry_at = models.DateTimeField(null=True, blank=True)
    retry_since = models.DateTimeField(null=True, blank=True)
    # A request for this row may have reached Twilio from this time on (answer lost, claimant
    # gone): Twilio's message list is asked before any new request.
    verify_since = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            # Erased numbers ("") are out of it: many rows of one alert lose theirs at once.
            models.UniqueConstraint(
                fields=["alert", "phone"],
                condition=~models.Q(phone=""),
                name="alert_recipient_once",
            ),
            # Partial: rows without a SID yet (all of them at insert time) stay out of it.
            models.UniqueConstraint(
                fields=["message_sid"],
                condition=models.Q(message_sid__isnull=False),
                name="alert_recipient_sid_once",
            ),
        ]
        indexes = [
            models.Index(fields=["alert", "batch", "status"]),
            # The retention task's question ("numbers kept past the council's period?") is one
            # probe of this small index, however many erased rows the table holds.
            models.Index(
                fields=["created_at"],
                condition=~models.Q(phone=""),
                name="alert_recipient_phone_kept",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.alert_id} → {self.phone or '—'}"


STATUS_RANK = {
    AlertRecipient.Status.PENDING: 0,
    AlertRecipient.Status.CLAIMED: 1,
    AlertRecipient.Status.ACCEPTED: 2,
    AlertRecipient.Status.SENT: 3,
    AlertRecipient.Status.DELIVERED: 4,
    AlertRecipient.Status.UNDELIVERED: 4,
    AlertRecipient.Status.FAILED: 4,
    AlertRecipient.Status.OPTED_OUT: 4,
    AlertRecipient.Status.INVALID: 4,
    AlertRecipient.Status.SKIPPED: 4,
}
FINAL_RANK = 4


class MessageStatusCallback(models.Model):
    """Every status callback Twilio sent, once (duplicates are dropped by the unique pair). A
    callback may arrive before the worker has stored the message's SID; the worker applies the
    ones it finds here after storing SIDs."""

    message_sid = models.CharField(max_length=40)
    status = models.CharField(max_length=16)  # as Twilio wrote it
    # What it means for the AlertRecipient row (alerts.services.delivery.TWILIO_STATUSES).
    recipient_status = models.CharField(max_length=12)
    rank = models.PositiveSmallIntegerField()
    error_code = models.PositiveIntegerField(null=True, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["message_sid", "status"], name="status_callback_once"),
        ]

    def __str__(self) -> str:
        return f"{self.message_sid} {self.status}"


class InboundMessage(models.Model):
    """The SID of every inbound SMS acted on, once: a captured webhook (a signed STOP or START)
    replayed later finds its SID here and changes nothing. Twilio's signature carries no time,
    so the SIDs are kept (they say nothing about anyone)."""

    message_sid = models.CharField(max_length=40, unique=True)
    received_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.message_sid


class AlertTestSend(models.Model):
    """A draft sent to its author's own phone before the real send."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="test_sends")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # Erased ("") like the delivery records' numbers (retention period, account deletion).
    phone = models.CharField(max_length=20, blank=True)
    message_sid = models.CharField(max_length=40, blank=True)
    segments = models.PositiveSmallIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.alert_id} → {self.phone}"


class AlertEvent(models.Model):
    """The audit trail: every state change of an alert, subscription or opt-out."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        EDITED = "edited", _("Edited")
        SUBMITTED = "submitted", _("Submitted for approval")
        APPROVED = "approved", _("Approved")
        TEST_SENT = "test_sent", _("Test sent")
        DISPATCHED = "dispatched", _("Sending started")
        COMPLETED = "completed", _("Sending finished")
        SUPERSEDED = "superseded", _("Updated or cancelled")
        SUBSCRIBED = "subscribed", _("Subscribed")
        SUBSCRIPTION_CHANGED = "subscription_changed", _("Subscription changed")
        UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")
        OPTED_OUT = "opted_out", _("Opted out")
        OPTED_IN = "opted_in", _("Opted in again")

    kind = models.CharField(max_length=24, choices=Kind.choices)
    alert = models.ForeignKey(
        Alert, on_delete=models.CASCADE, null=True, blank=True, related_name="events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Opt-out events: the number masked (core.phones.phone_masked), never in full.
    phone = models.CharField(max_length=20, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} {self.created_at:%Y-%m-%d %H:%M}"
