"""Sending one SMS. Everything that texts a resident (alerts, phone confirmation codes) goes
through `send_sms`, which hands the message to the backend named by settings.SMS_BACKEND:

- alerts.transport.ConsoleBackend: development without the simulator, logs the message;
- alerts.transport.LocmemBackend: tests, keeps messages in `alerts.transport.outbox`;
- the Twilio backend (added by the alerts pipeline) for the simulator and production.
"""

import logging
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from tenants.models import tenant_connection

logger = logging.getLogger(__name__)


@dataclass
class SentSms:
    to: str
    body: str
    sid: str
    schema: str
    sent_at: object = field(default_factory=timezone.now)


class SmsError(Exception):
    """A message the provider refused. `code` is the provider's error code, `retryable` says
    whether sending it again later is safe."""

    def __init__(self, message: str, *, code: int | None = None, retryable: bool = False):
        super().__init__(message)
        self.code = code
        self.retryable = retryable


class BaseBackend:
    def send(self, *, to: str, body: str, status_callback: str | None = None) -> str:
        raise NotImplementedError


class ConsoleBackend(BaseBackend):
    def send(self, *, to: str, body: str, status_callback: str | None = None) -> str:
        sid = "SMdev" + uuid.uuid4().hex[:29]
        logger.info("SMS to %s (%s): %s", to, sid, body)
        return sid


outbox: list[SentSms] = []


class LocmemBackend(BaseBackend):
    def send(self, *, to: str, body: str, status_callback: str | None = None) -> str:
        sid = "SMtest" + uuid.uuid4().hex[:28]
        outbox.append(SentSms(to=to, body=body, sid=sid, schema=tenant_connection().schema_name))
        return sid


def get_backend() -> BaseBackend:
    return import_string(settings.SMS_BACKEND)()


def send_sms(*, to: str, body: str, status_callback: str | None = None) -> str:
    """Send one SMS now; returns the provider's message id. Raises SmsError."""
    return get_backend().send(to=to, body=body, status_callback=status_callback)
