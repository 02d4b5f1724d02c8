"""Phone number confirmation by SMS code, for residents who want SMS alerts.

Sending is limited per number, per account and per client address (an SMS costs money and can
be used to harass a number); checking is limited per code and per account. The counters and
the pending code's hash live in Redis under the council's key space, except the count per
number: every council texts from the platform's account, so that one holds platform-wide.
"""

import re

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core import ratelimit
from core.phones import phone_parse
from core.sms import SmsError, send_sms

from .. import codes
from ..models import EventKind
from ._common import event_record

CODE_SECONDS = 10 * 60
HOUR, DAY = 3600, 24 * 3600
# (key prefix, limit, window): sends allowed.
SEND_LIMITS = {
    "number": (3, HOUR),
    "account": (5, DAY),
    "ip": (10, HOUR),
}
# A number is one person's wherever the texts come from: its count is not per council.
SEND_SCOPES: dict[str, ratelimit.Scope] = {"number": "platform"}
MAX_WRONG_PER_CODE = 5
CHECKS_PER_DAY = 15


def _send_keys(*, user: User, phone: str, ip: str) -> dict[str, str]:
    # The number is hashed: Redis keys outlive an account deletion by up to a window.
    return {
        "number": f"sms-send:number:{codes.keyed_hash('sms-number', phone)}",
        "account": f"sms-send:account:{user.pk}",
        "ip": f"sms-send:ip:{ip}",
    }


def _pending_key(user: User) -> str:
    return f"phone-code:{user.pk}"


def phone_confirmation_pending(user: User) -> str | None:
    """The number (E.164) the resident's last code was sent to, while that code is valid. Kept
    with the code in the cache, never in the session: nothing outlives the code."""
    pending = cache.get(_pending_key(user))
    return pending["phone"] if pending else None


def phone_confirmation_forget(user: User) -> None:
    """Drop a code waiting for the resident (and the number it was sent to)."""
    cache.delete(_pending_key(user))


def phone_confirmation_send(*, user: User, phone: str, ip: str) -> str:
    """Text a 6-digit code to `phone` (read in the council's phone region); returns the number in
    E.164. Raises RateLimited when a limit is reached, ValidationError for a bad number or a
    refused message."""
    phone = phone_parse(phone)
    keys = _send_keys(user=user, phone=phone, ip=ip)
    for name, key in keys.items():
        limit, _window = SEND_LIMITS[name]
        if ratelimit.over(key, limit=limit, scope=SEND_SCOPES.get(name, "council")):
            raise ratelimit.RateLimited(
                _("Too many codes were sent. Wait a while before asking for another one."),
                code="rate_limited",
            )
    for name, key in keys.items():
        ratelimit.hit(key, window=SEND_LIMITS[name][1], scope=SEND_SCOPES.get(name, "council"))
    code = codes.new_digits(6)
    nonce = codes.new_code()
    cache.set(
        _pending_key(user),
        {
            "phone": phone,
            "nonce": nonce,
            "hash": codes.keyed_hash("phone-code", user.pk, phone, nonce, code),
        },
        timeout=CODE_SECONDS,
    )
    try:
        send_sms(to=phone, body=_("%(code)s is your code to confirm this number.") % {"code": code})
    except SmsError as error:
        cache.delete(_pending_key(user))
        raise ValidationError(
            _("We could not send a message to this number."), code="sms_failed"
        ) from error
    return phone


def phone_confirmation_check(*, user: User, code: str, ip: str) -> User:
    """Confirm the number the last code was sent to. Raises RateLimited or ValidationError."""
    if ratelimit.hit(f"sms-check:account:{user.pk}", window=DAY) > CHECKS_PER_DAY:
        raise ratelimit.RateLimited(
            _("Too many attempts today. Try again tomorrow."), code="rate_limited"
        )
    pending = cache.get(_pending_key(user))
    if not pending:
        raise ValidationError(
            _("No code is waiting, or it expired. Ask for a new code."), code="no_code"
        )
    wrong_key = f"sms-check:wrong:{user.pk}:{pending['nonce']}"
    candidate = codes.keyed_hash(
        "phone-code", user.pk, pending["phone"], pending["nonce"], re.sub(r"\s", "", code or "")
    )
    if not codes.hashes_match(pending["hash"], candidate):
        wrong = ratelimit.hit(wrong_key, window=CODE_SECONDS)
        if wrong >= MAX_WRONG_PER_CODE:
            cache.delete(_pending_key(user))
            raise ValidationError(_("Too many wrong codes. Ask for a new code."), code="bad_code")
        raise ValidationError(_("This code is not right."), code="bad_code")
    cache.delete_many([_pending_key(user), wrong_key])
    with transaction.atomic():
        user.phone = pending["phone"]
        user.phone_confirmed_at = timezone.now()
        user.save(update_fields=["phone", "phone_confirmed_at"])
        event_record(kind=EventKind.PHONE_CONFIRMED, resident=user, actor=user)
    return user
