"""Sending one SMS. Everything that texts a resident (alerts, phone confirmation codes) goes
through `send_sms`, which hands the message to the backend named by settings.SMS_BACKEND:

- core.sms.ConsoleBackend: development without the simulator, logs the message;
- core.sms.LocmemBackend: tests, keeps messages in `core.sms.outbox`;
- core.sms.TwilioBackend: the official twilio client, with the council's credentials (found
  through settings.SMS_CREDENTIALS: the alerts app keeps them, encrypted); TWILIO_API_BASE_URL
  points it at the simulator in development and in the pipeline's tests (DESIGN.md §4).
"""

import datetime as dt
import logging
import threading
import urllib.request
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

import urllib3
from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string
from twilio.base.exceptions import TwilioRestException
from twilio.http import HttpClient
from twilio.http.response import Response as TwilioResponse
from twilio.rest import Client
from urllib3.exceptions import ConnectTimeoutError, HTTPError, NewConnectionError

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
    whether sending it again later is safe. `unconfirmed` means the request may have reached the
    provider (connection lost after sending): it may or may not have been sent."""

    def __init__(
        self,
        message: str,
        *,
        code: int | None = None,
        retryable: bool = False,
        unconfirmed: bool = False,
    ):
        super().__init__(message)
        self.code = code
        self.retryable = retryable
        self.unconfirmed = unconfirmed


class BaseBackend:
    def __init__(self, **options):
        self.options = options

    def send(self, *, to: str, body: str, status_callback: str | None = None) -> str:
        raise NotImplementedError

    def find_sent(self, *, to: str, body: str, since: dt.datetime) -> list[str]:
        """The ids of the messages with this body the provider accepted for `to` at or after
        `since`, oldest first. Asked before sending again a message whose answer was lost.
        Raises SmsError (retryable) when the provider cannot be asked."""
        return []


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

    def find_sent(self, *, to: str, body: str, since: dt.datetime) -> list[str]:
        return [
            sms.sid
            for sms in outbox
            if sms.to == to and sms.body == body and sms.sent_at >= since  # type: ignore[operator]
        ]


class PooledHttpClient(HttpClient):
    """The twilio client's HTTP client, on a urllib3 connection pool shared by threads.

    Twilio's default client goes through requests, whose per-request work (re-reading the
    environment for proxies, merging session settings) cost about half of the client's CPU per
    message, measured with bench/bench_alerts.py. This one sends the same requests (form body,
    basic auth, the headers the twilio client sets) and, when `base_url` is set, sends every
    call there instead of Twilio's hosts: the simulator (DESIGN.md §4). Proxies come from the
    environment once (HTTPS_PROXY), as requests would read them.
    """

    def __init__(self, base_url: str = "", timeout: float | None = None, pool_size: int = 32):
        super().__init__(logger=_http_logger, is_async=False, timeout=timeout)
        self.base_url = base_url.rstrip("/")
        proxy = urllib.request.getproxies().get("https") if not self.base_url else None
        options: dict[str, Any] = {
            "num_pools": 4,
            "maxsize": pool_size,
            "block": False,
            "retries": False,
        }
        self.pool = (
            urllib3.ProxyManager(proxy, **options) if proxy else urllib3.PoolManager(**options)
        )

    def request(
        self,
        method,
        url,
        params=None,
        data=None,
        headers=None,
        auth=None,
        timeout=None,
        allow_redirects=False,
    ):
        if self.base_url:
            parts = urlsplit(url)
            url = self.base_url + parts.path + (f"?{parts.query}" if parts.query else "")
        if params:
            url += ("&" if "?" in url else "?") + urlencode(params, doseq=True)
        headers = dict(headers or {})
        if auth:
            headers.update(urllib3.make_headers(basic_auth=f"{auth[0]}:{auth[1]}"))
        body = urlencode(data, doseq=True) if data else None
        seconds = timeout or self.timeout
        response = self.pool.request(
            method.upper(),
            url,
            body=body,
            headers=headers,
            redirect=allow_redirects,
            timeout=urllib3.Timeout(connect=seconds, read=seconds) if seconds else None,
        )
        return TwilioResponse(response.status, response.data.decode("utf-8"), response.headers)


# The twilio client logs every request and response (numbers included) at INFO: keep that out
# of the logs unless this logger is turned up on purpose.
_http_logger = logging.getLogger("core.sms.http")
_http_logger.setLevel(logging.WARNING)

_clients: dict[tuple[str, str, str], Client] = {}
_clients_lock = threading.Lock()


def twilio_client(account_sid: str, auth_token: str) -> Client:
    """One client (and connection pool) per account and process; thread-safe."""
    key = (account_sid, auth_token, settings.TWILIO_API_BASE_URL)
    with _clients_lock:
        client = _clients.get(key)
        if client is None:
            http = PooledHttpClient(
                settings.TWILIO_API_BASE_URL, timeout=settings.TWILIO_HTTP_TIMEOUT
            )
            client = _clients[key] = Client(account_sid, auth_token, http_client=http)
        return client


def _sent_nothing(error: HTTPError) -> bool:
    """True when the connection failed before the request went out (refused, unreachable,
    connect timeout): only then is sending again certainly not a duplicate."""
    return isinstance(error, NewConnectionError | ConnectTimeoutError)


class TwilioBackend(BaseBackend):
    """Sends through Twilio's Messages API with a Messaging Service.

    Options: `credentials` (account_sid, auth_token, messaging_service_sid); by default those
    of the council whose schema the connection is on, falling back to the platform's.
    Retryable: HTTP 429 (documented as "not processed"), 502/503/504 (the gateway answered
    instead of the Messages API) and connection failures before the request was sent. Any other
    5xx, a read timeout or a connection lost after sending are `unconfirmed`: the message may
    exist, so the caller asks `find_sent` before trying again (Twilio has no idempotency key,
    DESIGN.md §4). Other 4xx are final.
    """

    # How far Twilio's clock may be from ours when matching a lost message by its time.
    CLOCK_MARGIN = dt.timedelta(seconds=5)

    def send(self, *, to: str, body: str, status_callback: str | None = None) -> str:
        credentials = self.options.get("credentials") or import_string(settings.SMS_CREDENTIALS)()
        if credentials is None or not credentials.messaging_service_sid:
            raise SmsError("Twilio is not configured (account and Messaging Service).")
        params = {
            "to": to,
            "body": body,
            "messaging_service_sid": credentials.messaging_service_sid,
        }
        if status_callback:
            params["status_callback"] = status_callback
        client = twilio_client(credentials.account_sid, credentials.auth_token)
        try:
            return client.messages.create(**params).sid
        except TwilioRestException as error:
            if error.status == 429:
                raise SmsError(
                    "Twilio is rate limiting (HTTP 429).", code=error.code or 20429, retryable=True
                ) from error
            if error.status in GATEWAY_ERRORS:
                raise SmsError(
                    f"Twilio is unavailable (HTTP {error.status}).", retryable=True
                ) from error
            if error.status >= 500:
                raise SmsError(
                    f"Twilio failed (HTTP {error.status}); the message may exist.",
                    unconfirmed=True,
                ) from error
            raise SmsError(str(error.msg)[:250], code=error.code) from error
        except HTTPError as error:
            if _sent_nothing(error):
                raise SmsError("Twilio could not be reached.", retryable=True) from error
            # A read timeout or a connection lost while waiting: the message may exist.
            raise SmsError(
                "No answer from Twilio after the request was sent.", unconfirmed=True
            ) from error

    def find_sent(self, *, to: str, body: str, since: dt.datetime) -> list[str]:
        """Twilio's message list filtered by `To` and send date (`GET …/Messages.json?To=…&
        DateSent>=…`), matched on the body and the creation time (oldest match first)."""
        credentials = self.options.get("credentials") or import_string(settings.SMS_CREDENTIALS)()
        if credentials is None:
            return []
        client = twilio_client(credentials.account_sid, credentials.auth_token)
        start = since - self.CLOCK_MARGIN
        try:
            messages = client.messages.list(to=to, date_sent_after=start, limit=50)
        except (TwilioRestException, HTTPError) as error:
            raise SmsError("Twilio's message list could not be read.", retryable=True) from error
        found = [
            m
            for m in messages
            if m.body == body and m.date_created is not None and m.date_created >= start
        ]
        found.sort(key=lambda m: m.date_created)
        return [m.sid for m in found]


# The gateway answered for an API that did not process the request.
GATEWAY_ERRORS = {502, 503, 504}


def get_backend(**options) -> BaseBackend:
    return import_string(settings.SMS_BACKEND)(**options)


def send_sms(*, to: str, body: str, status_callback: str | None = None) -> str:
    """Send one SMS now; returns the provider's message id. Raises SmsError."""
    return get_backend().send(to=to, body=body, status_callback=status_callback)
