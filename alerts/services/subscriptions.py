"""Residents' subscriptions and the opt-out list (site and SMS replies)."""

import unicodedata
from collections.abc import Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.models import User
from community.models import Neighbourhood
from community.selectors import may_use
from core.phones import phone_e164, phone_masked

from ..models import Alert, AlertEvent, AlertSubscription, InboundMessage, OptOut, optout_hash

# Twilio's default opt-out keywords plus the French ones (DESIGN.md §4).
STOP_KEYWORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "ARRET"})
START_KEYWORDS = frozenset({"START", "UNSTOP"})


# The community setting (CommunitySettings.require_neighbourhood_alerts) that reserves SMS
# alerts to verified residents.
FEATURE = "neighbourhood_alerts"


def event_record(
    kind: str, *, alert: Alert | None = None, actor: User | None = None, phone: str = "", **data
) -> AlertEvent:
    return AlertEvent.objects.create(kind=kind, alert=alert, actor=actor, phone=phone, data=data)


def user_phone(user: User) -> str | None:
    """The user's confirmed number, or None. Phone confirmation stores the number in E.164,
    parsed in the council's region (core.phones): it is used as it is, never re-read with a
    country code of our own. A confirmed number in any other form is not used."""
    if not user.phone or user.phone_confirmed_at is None:
        return None
    return user.phone if phone_e164(user.phone) == user.phone else None


def subscription_refusal(user: User) -> str | None:
    """Why `user` may not subscribe ("phone" or "verification"), or None when they may."""
    if user_phone(user) is None:
        return "phone"
    if not may_use(user, FEATURE):
        return "verification"
    return None


@transaction.atomic
def subscription_save(
    *,
    user: User,
    whole_council: bool,
    neighbourhoods: Sequence[Neighbourhood] = (),
    paused: bool = False,
) -> AlertSubscription:
    """Subscribe `user` (or change their choice). They need a confirmed phone number, a verified
    address when the council reserves alerts to verified residents (community settings), and
    must choose the whole council or at least one neighbourhood."""
    refusal = subscription_refusal(user)
    if refusal == "phone":
        raise ValidationError(
            _("Confirm your mobile phone number first: alerts are sent by SMS."), code="phone"
        )
    if refusal == "verification":
        # Whole-council subscribers receive every neighbourhood's alerts too, so the rule
        # covers every subscription, not only the choice of neighbourhoods.
        raise PermissionDenied(
            _(
                "The council sends its SMS alerts to residents whose address is verified: "
                "verify your address first."
            )
        )
    if not whole_council and not neighbourhoods:
        raise ValidationError(_("Choose the whole council or at least one neighbourhood."))
    subscription, created = AlertSubscription.objects.get_or_create(
        user=user, defaults={"whole_council": whole_council, "paused": paused}
    )
    subscription.whole_council = whole_council
    subscription.paused = paused
    subscription.save()
    subscription.neighbourhoods.set([] if whole_council else neighbourhoods)
    event_record(
        AlertEvent.Kind.SUBSCRIBED if created else AlertEvent.Kind.SUBSCRIPTION_CHANGED,
        actor=user,
        whole_council=whole_council,
        paused=paused,
        neighbourhoods=[n.pk for n in neighbourhoods] if not whole_council else [],
    )
    return subscription


@transaction.atomic
def subscription_pause(*, user: User, paused: bool) -> AlertSubscription:
    subscription = AlertSubscription.objects.select_for_update().get(user=user)
    subscription.paused = paused
    subscription.save(update_fields=["paused", "updated_at"])
    event_record(AlertEvent.Kind.SUBSCRIPTION_CHANGED, actor=user, paused=paused)
    return subscription


@transaction.atomic
def subscription_leave(*, user: User) -> None:
    deleted, _rows = AlertSubscription.objects.filter(user=user).delete()
    if deleted:
        event_record(AlertEvent.Kind.UNSUBSCRIBED, actor=user)


@transaction.atomic
def optout_add(*, phone: str, source: str, keyword: str = "") -> bool:
    """Put `phone` (E.164) on the opt-out list; False when it already was. The list keeps a hash
    of the number (models.OptOut says why), the event the number masked."""
    _optout, created = OptOut.objects.get_or_create(
        phone_hash=optout_hash(phone), defaults={"source": source, "keyword": keyword[:32]}
    )
    if created:
        event_record(
            AlertEvent.Kind.OPTED_OUT, phone=phone_masked(phone), source=source, keyword=keyword
        )
    return created


@transaction.atomic
def optout_remove(*, phone: str, keyword: str = "") -> bool:
    deleted, _rows = OptOut.objects.of_phone(phone).delete()
    if deleted:
        event_record(AlertEvent.Kind.OPTED_IN, phone=phone_masked(phone), keyword=keyword)
    return bool(deleted)


def _keyword(body: str) -> str:
    """The reply as a keyword: trimmed, upper-case, accents and trailing punctuation dropped
    ("Arrêt." → "ARRET")."""
    text = unicodedata.normalize("NFKD", body.strip().upper())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return text.strip(" .!")


@transaction.atomic
def inbound_message_record(
    *, from_phone: str, body: str, opt_out_type: str = "", message_sid: str = ""
) -> str | None:
    """A resident's SMS reply. STOP-like keywords opt the number out, START/UNSTOP opt it back
    in. Twilio's own verdict (OptOutType, for keywords configured on the Messaging Service) is
    honoured too. Returns "stop", "start" or None. A message whose SID was already processed
    (a replayed webhook) changes nothing and returns None."""
    if message_sid:
        try:
            with transaction.atomic():
                InboundMessage.objects.create(message_sid=message_sid[:40])
        except IntegrityError:
            return None
    # Twilio writes From in E.164; a national form would be read in the council's region.
    phone = phone_e164(from_phone)
    if phone is None:
        return None
    keyword = _keyword(body)
    if keyword in STOP_KEYWORDS or opt_out_type.upper() == "STOP":
        optout_add(phone=phone, source=OptOut.Source.SMS_REPLY, keyword=keyword)
        return "stop"
    if keyword in START_KEYWORDS or opt_out_type.upper() == "START":
        optout_remove(phone=phone, keyword=keyword)
        return "start"
    return None
