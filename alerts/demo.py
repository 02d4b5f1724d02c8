"""Demo data for alerts (`manage.py load_demo`): settings, three subscribed residents with
confirmed (fictitious) numbers, and one past flood alert with its delivery report. Idempotent."""

from datetime import timedelta

from django.utils import timezone

from accounts.models import User
from community.models import Neighbourhood

from .models import Alert, AlertEvent, AlertRecipient, AlertSubscription
from .selectors import alert_settings

DEMO_SUBSCRIBERS = [
    ("denise", "Denise Alerte", "+33600000101"),
    ("etienne", "Étienne Crue", "+33600000102"),
    ("fanny", "Fanny Tempête", "+33600000103"),
]
PAST_ALERT_HEADLINE = "Alerte inondation (exercice de démonstration)"


def load(council) -> None:
    alert_settings()
    neighbourhood = Neighbourhood.objects.order_by("pk").first()
    subscribers = []
    for local, name, phone in DEMO_SUBSCRIBERS:
        email = f"{local}@{council.slug}.example"
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(
                email,
                None,
                full_name=name,
                email_confirmed=True,
                phone=phone,
                phone_confirmed_at=timezone.now(),
            )
            user.set_unusable_password()
            user.save(update_fields=["password"])
        subscription, created = AlertSubscription.objects.get_or_create(
            user=user, defaults={"whole_council": neighbourhood is None or local != "fanny"}
        )
        if created and not subscription.whole_council:
            subscription.neighbourhoods.set([neighbourhood])
        subscribers.append(user)

    if Alert.objects.filter(headline=PAST_ALERT_HEADLINE).exists():
        return
    sent = timezone.now() - timedelta(days=12)
    alert = Alert.objects.create(
        hazard="flood",
        language="fr",
        cap_status=Alert.CapStatus.EXERCISE,
        category="Met",
        event="Inondation",
        urgency="Immediate",
        severity="Severe",
        certainty="Observed",
        response_type="Prepare",
        headline=PAST_ALERT_HEADLINE,
        sms_body=f"{council.name} - EXERCICE ALERTE INONDATION : evitez les bords de l'eau.",
        description="Exercice : montee des eaux simulee.",
        whole_council=True,
        state=Alert.State.SENT,
        dispatched_at=sent,
        completed_at=sent + timedelta(minutes=1),
        expires_at=sent + timedelta(hours=12),
        encoding="GSM-7",
        segments=1,
        recipient_count=len(subscribers),
    )
    AlertRecipient.objects.bulk_create(
        [
            AlertRecipient(
                alert=alert,
                user=user,
                phone=user.phone,
                batch=0,
                status=AlertRecipient.Status.DELIVERED,
                status_rank=4,
                message_sid=f"SMdemo{council.pk:04d}{n:024d}",
                attempts=1,
                accepted_at=sent,
            )
            for n, user in enumerate(subscribers)
        ]
    )
    AlertEvent.objects.create(
        kind=AlertEvent.Kind.DISPATCHED,
        alert=alert,
        data={"recipients": len(subscribers), "demo": True},
    )
    AlertEvent.objects.create(kind=AlertEvent.Kind.COMPLETED, alert=alert, data={"demo": True})
