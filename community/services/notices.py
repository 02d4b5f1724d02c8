"""Emails to the resident when their verification is decided: verified (whatever the method),
refused or revoked. Each decision event is emailed once, by a task enqueued on commit."""

import logging
from datetime import timedelta

from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from accounts.services import council_email, user_language
from tenants.models import current_council

from ..models import DECISION_KINDS, Feature, Residence, VerificationEvent
from ._common import settings_row

logger = logging.getLogger(__name__)

# The re-driver looks this far back for a decision whose task the broker lost; older ones are
# left alone rather than surprising someone with stale news.
REDRIVE_WINDOW = timedelta(days=2)
REDRIVE_GRACE = timedelta(minutes=10)


def decision_notice_enqueue(event: VerificationEvent) -> None:
    """After the decision commits, a task emails it (the services never wait on SMTP)."""
    from ..tasks import send_verification_decision

    event_id = event.pk
    transaction.on_commit(lambda: send_verification_decision.delay(event_id))


def _render(event: VerificationEvent, residence: Residence | None) -> tuple[str, str]:
    council = current_council()
    base = council.base_url()
    community = settings_row()
    context = {
        "council": council,
        "name": event.resident.get_short_name() if event.resident else "",
        "kind": event.kind,
        "method": event.get_method_display() if event.method else "",
        "reason": event.reason,
        "address": residence.postal_lines() if residence else [],
        "verify_url": base + reverse("community:verify"),
        "home_url": base + reverse("home"),
        "unlocked": [str(f.label) for f in Feature if community.requires_verification(f.value)],
    }
    subject = render_to_string("community/email/verification_subject.txt", context)
    body = render_to_string("community/email/verification.txt", context)
    return subject, body


def verification_decision_notice_send(*, event_id: int) -> bool:
    """Email one decision to its resident, in their language, in the council's name. Idempotent:
    the event row is locked (a second worker skips it) and marked in the sending transaction.
    A worker that dies after the SMTP hand-over but before the commit leaves it unmarked, so the
    redelivered task sends it again: at worst a duplicate, never a lost decision."""
    with transaction.atomic():
        event = (
            VerificationEvent.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("resident")
            .filter(pk=event_id, kind__in=DECISION_KINDS, emailed_at__isnull=True)
            .first()
        )
        if event is None:
            return False
        resident = event.resident
        if resident is None or not resident.is_active or not resident.email:
            event.emailed_at = timezone.now()  # nobody to tell: done
            event.save(update_fields=["emailed_at"])
            return False
        residence = Residence.objects.filter(user=resident).first()
        with translation.override(user_language(resident)):
            subject, body = _render(event, residence)
        council_email(to=[resident.email], subject=subject, body=body).send()
        event.emailed_at = timezone.now()
        event.save(update_fields=["emailed_at"])
    return True


def verification_decision_notices_redrive() -> int:
    """Decisions of the last days whose email was never sent (a task lost with the broker)."""
    now = timezone.now()
    sent = 0
    for event_id in VerificationEvent.objects.filter(
        kind__in=DECISION_KINDS,
        emailed_at__isnull=True,
        created_at__gte=now - REDRIVE_WINDOW,
        created_at__lte=now - REDRIVE_GRACE,
    ).values_list("pk", flat=True):
        try:
            sent += verification_decision_notice_send(event_id=event_id)
        except OSError:  # the mail server is down: the event stays unmarked for the next run
            logger.warning("verification decision %s not emailed, retried later", event_id)
            break
    return sent
