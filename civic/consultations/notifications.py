"""Who is emailed about a consultation, and when. Each kind of email is claimed once per
consultation (a conditional UPDATE of its timestamp) before it is sent, so a task that runs
twice sends nothing the second time."""

import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import User

from . import emails
from .models import Consultation, ConsultationSubscription, Participation

REMINDER_BEFORE = datetime.timedelta(days=2)


def _audience_subscribers(consultation: Consultation) -> QuerySet[ConsultationSubscription]:
    subscriptions = ConsultationSubscription.objects.filter(user__is_active=True).select_related(
        "user"
    )
    if not consultation.whole_council:
        subscriptions = subscriptions.filter(
            user__residence__neighbourhood__in=consultation.neighbourhoods.all()
        )
    return subscriptions


def _claim(consultation_id: int, field: str, extra: Q | None = None) -> Consultation | None:
    now = timezone.now()
    claimed = Consultation.objects.filter(
        Q(pk=consultation_id, **{f"{field}__isnull": True}) & (extra or Q())
    ).update(**{field: now})
    return Consultation.objects.get(pk=consultation_id) if claimed else None


def opening_send(*, consultation_id: int) -> int:
    now = timezone.now()
    consultation = _claim(
        consultation_id,
        "opening_notified_at",
        Q(scheduled_at__isnull=False, opens_at__lte=now, closes_at__gt=now),
    )
    if consultation is None:
        return 0
    sent = 0
    for subscription in _audience_subscribers(consultation):
        emails.consultation_news(
            consultation, subscription.user, kind="opening", unsubscribe_token=subscription.token
        )
        sent += 1
    return sent


def reminder_send(*, consultation_id: int) -> int:
    now = timezone.now()
    consultation = _claim(
        consultation_id,
        "reminder_sent_at",
        Q(opens_at__lte=now, closes_at__gt=now, closes_at__lte=now + REMINDER_BEFORE),
    )
    if consultation is None:
        return 0
    voted = Participation.objects.filter(consultation=consultation).values("user_id")
    sent = 0
    for subscription in _audience_subscribers(consultation).exclude(user_id__in=voted):
        emails.consultation_news(
            consultation, subscription.user, kind="reminder", unsubscribe_token=subscription.token
        )
        sent += 1
    return sent


def outcome_send(*, consultation_id: int) -> int:
    """Participants who asked for the outcome, and subscribers of the audience."""
    consultation = Consultation.objects.get(pk=consultation_id)
    if consultation.outcome_published_at is None:
        return 0
    claimed = Consultation.objects.filter(pk=consultation_id, outcome_notified=False).update(
        outcome_notified=True
    )
    if not claimed:
        return 0
    tokens = {s.user_id: s for s in _audience_subscribers(consultation)}
    asked = User.objects.filter(
        is_active=True,
        consultation_participations__consultation=consultation,
        consultation_participations__wants_outcome=True,
    )
    people = {u.pk: u for u in asked}
    people.update({uid: s.user for uid, s in tokens.items()})
    for uid, user in people.items():
        subscription = tokens.get(uid)
        emails.consultation_news(
            consultation,
            user,
            kind="outcome",
            unsubscribe_token=subscription.token if subscription else None,
        )
    return len(people)


def due_send() -> None:
    """Beat: opening emails of consultations that opened by their date, and reminders."""
    now = timezone.now()
    live = Consultation.objects.filter(
        scheduled_at__isnull=False, opens_at__lte=now, closes_at__gt=now
    )
    for pk in live.filter(opening_notified_at__isnull=True).values_list("pk", flat=True):
        opening_send(consultation_id=pk)
    due = live.filter(reminder_sent_at__isnull=True, closes_at__lte=now + REMINDER_BEFORE)
    for pk in due.values_list("pk", flat=True):
        reminder_send(consultation_id=pk)
