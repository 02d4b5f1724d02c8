"""A local stand-in for the parts of Twilio's API that Commune uses, for development (`make run`)
and for tests, which drive the real twilio client and our real webhooks through it.

It speaks:
- `POST /2010-04-01/Accounts/{AccountSid}/Messages.json` (basic auth: account SID and auth
  token): creates a message, answers 201 with a Message resource, or Twilio's error JSON
  (21211 invalid number, 21610 number replied STOP, 21614 not a mobile number, … configurable
  per number, and Twilio's magic test numbers +1500555000x), or 429 when the configured rate
  limit is exceeded (or for the first `throttle_first` requests);
- `GET /2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json`;
- `GET /2010-04-01/Accounts/{AccountSid}/Messages.json?To=…&DateSent>=…` (also `DateSent<=`,
  `DateSent=`, `PageSize`): the message list, newest first, as one page. Messages are "sent" at
  once here, so `date_sent` is their creation time;
- provider outages, on a timeline started by `configure(fault_plan=[["503", 10], ["429", 200]])`
  (each step: a mode and its seconds): "429", "500"…"504" (the Messages API answers that
  status), "reset" (the connection is reset before the message is created), "reset-after"
  (created, then the connection is reset: the answer is lost); `lose_answer_for` (numbers)
  does "reset-after" once for each of those numbers;
- then status callbacks to the message's StatusCallback URL, signed as Twilio signs them
  (X-Twilio-Signature, twilio.request_validator): "sent" then "delivered", or for a configurable
  share "sent" then "undelivered" (30003) or "failed" (30008);
- inbound messages (a resident replying STOP) posted, signed, to a URL of our choice. Like
  Twilio's Advanced Opt-Out, a STOP makes later sends to that number fail with 21610.

Control endpoints for a simulator in another process: `GET /_sim/state` (messages, requests,
callbacks as JSON), `POST /_sim/config` (JSON, same names as the constructor), `POST /_sim/inbound`
(JSON: url, from, body[, to, account_sid]), `POST /_sim/reset`.
"""

import base64
import contextlib
import datetime as dt
import heapq
import http.client
import itertools
import json
import logging
import random
import re
import socket
import struct
import threading
import time
import uuid
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlencode, urlsplit

from twilio.request_validator import RequestValidator

logger = logging.getLogger(__name__)

MESSAGES_PATH = re.compile(r"^/2010-04-01/Accounts/(AC[0-9A-Za-z]+)/Messages\.json$")
MESSAGE_PATH = re.compile(r"^/2010-04-01/Accounts/(AC[0-9A-Za-z]+)/Messages/(SM[0-9a-f]+)\.json$")
E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
# Twilio's documented magic numbers for test credentials.
MAGIC_NUMBERS = {
    "+15005550001": 21211,
    "+15005550002": 21612,
    "+15005550003": 21408,
    "+15005550004": 21610,
    "+15005550009": 21614,
}
FAULT_MODES = {"429", "500", "502", "503", "504", "reset", "reset-after"}
ERROR_MESSAGES = {
    21211: "The 'To' number {to} is not a valid phone number.",
    21408: "Permission to send an SMS has not been enabled for the region indicated by the 'To' "
    "number: {to}.",
    21602: "Message body is required.",
    21604: "A 'To' phone number is required.",
    21610: "Attempt to send to unsubscribed recipient",
    21612: "The 'To' phone number: {to}, is not currently reachable using the 'From' phone "
    "number via SMS.",
    21614: "'To' number {to} is not a valid mobile number",
    20003: "Authenticate",
    20429: "Too Many Requests",
    20404: "The requested resource was not found",
}
STOP_WORDS = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "ARRET", "ARRÊT"}
START_WORDS = {"START", "UNSTOP"}


def _segments(body: str) -> int:
    from .segments import sms_segments

    return max(sms_segments(body).segments, 1)


class TwilioSimulator:
    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        accounts: dict[str, str],
        error_numbers: dict[str, int] | None = None,
        rate_limit: float | None = None,
        throttle_first: int = 0,
        undelivered_share: float = 0.0,
        failed_share: float = 0.0,
        callbacks: bool = True,
        callback_delays: tuple[float, float] = (0.05, 0.2),
        callback_target: str | None = None,
        seed: int | None = None,
        verbose: bool = False,
        fault_plan: list | None = None,
        lose_answer_for: list[str] | None = None,
    ):
        self.host, self.port = host, port
        self.accounts = dict(accounts)
        self.error_numbers = dict(MAGIC_NUMBERS) | dict(error_numbers or {})
        self.rate_limit = rate_limit
        self.throttle_first = throttle_first
        self.undelivered_share = undelivered_share
        self.failed_share = failed_share
        self.callbacks = callbacks
        self.callback_delays = callback_delays
        self.callback_target = callback_target
        self.verbose = verbose
        self.lock = threading.Lock()
        self.random = random.Random(seed)  # noqa: S311  (outcomes of a simulation)
        self.opted_out: set[str] = set()
        self.fault_plan: list[tuple[str, float]] = []
        self._fault_started = time.monotonic()
        self.lose_answer_for: set[str] = set(lose_answer_for or ())
        self.reset()
        if fault_plan:
            self.configure(fault_plan=fault_plan)
        self._server: ThreadingHTTPServer | None = None
        self._threads: list[threading.Thread] = []
        self._schedule: list[tuple[float, int, dict]] = []
        self._schedule_cv = threading.Condition()
        self._seq = itertools.count()
        self._stopping = threading.Event()

    # --- lifecycle --------------------------------------------------------------------------

    def start(self) -> "TwilioSimulator":
        simulator = self

        class Handler(_Handler):
            sim = simulator

        self._server = _Server((self.host, self.port), Handler)
        self.port = self._server.server_address[1]
        serve = threading.Thread(
            target=self._server.serve_forever,
            name="twilio-sim",
            kwargs={"poll_interval": 0.1},
            daemon=True,
        )
        serve.start()
        self._threads = [serve]
        for n in range(4):
            worker = threading.Thread(
                target=self._callback_loop, name=f"twilio-sim-cb{n}", daemon=True
            )
            worker.start()
            self._threads.append(worker)
        return self

    def stop(self) -> None:
        self._stopping.set()
        with self._schedule_cv:
            self._schedule_cv.notify_all()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)

    def serve_forever(self) -> None:
        self.start()
        try:
            while not self._stopping.wait(1):
                pass
        finally:
            self.stop()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def __enter__(self) -> "TwilioSimulator":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # --- state --------------------------------------------------------------------------------

    def reset(self) -> None:
        with self.lock:
            self.messages: list[dict] = []
            self.by_sid: dict[str, dict] = {}
            self.requests: list[dict] = []
            self.callbacks_sent: list[dict] = []
            self._bucket = (float(self.rate_limit or 0), time.monotonic())
            self._create_count = 0
            self.list_requests = 0

    def configure(self, **options) -> None:
        allowed = {
            "error_numbers",
            "rate_limit",
            "throttle_first",
            "undelivered_share",
            "failed_share",
            "callbacks",
            "callback_delays",
            "callback_target",
            "fault_plan",
            "lose_answer_for",
        }
        with self.lock:
            for name, value in options.items():
                if name not in allowed:
                    raise ValueError(f"unknown option {name}")
                if name == "fault_plan":
                    value = [(str(mode), float(seconds)) for mode, seconds in value or ()]
                    if any(mode not in FAULT_MODES for mode, _seconds in value):
                        raise ValueError(f"fault modes are {sorted(FAULT_MODES)}")
                    self._fault_started = time.monotonic()
                if name == "lose_answer_for":
                    value = set(value or ())
                if name == "error_numbers":
                    value = dict(MAGIC_NUMBERS) | {k: int(v) for k, v in value.items()}
                if name == "callback_delays":
                    value = tuple(value)
                setattr(self, name, value)
                if name == "rate_limit":
                    self._bucket = (float(value or 0), time.monotonic())

    def sent_to(self, phone: str) -> list[dict]:
        with self.lock:
            return [m for m in self.messages if m["to"] == phone]

    def state(self) -> dict:
        with self.lock:
            return {
                "messages": list(self.messages),
                "requests": list(self.requests),
                "callbacks": list(self.callbacks_sent),
                "opted_out": sorted(self.opted_out),
            }

    # --- the Messages API ---------------------------------------------------------------------

    def fault_now(self) -> str | None:
        """The outage mode of this instant on the fault plan's timeline, if any."""
        elapsed = time.monotonic() - self._fault_started
        for mode, seconds in self.fault_plan:
            if elapsed < seconds:
                return mode
            elapsed -= seconds
        return None

    def list_messages(self, account_sid: str, query: dict[str, str]) -> dict:
        """Twilio's message list for one account, newest first, filtered like Twilio's."""

        def day_or_time(value: str) -> dt.datetime:
            if len(value) == 10:  # YYYY-MM-DD: the whole day
                return dt.datetime.fromisoformat(value).replace(tzinfo=dt.UTC)
            return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))

        after = query.get("DateSent>") or query.get("DateSent>=")
        before = query.get("DateSent<") or query.get("DateSent<=")
        on = query.get("DateSent")
        size = min(int(query.get("PageSize") or 50), 1000)
        with self.lock:
            found = []
            for message in reversed(self.messages):
                if message["account_sid"] != account_sid:
                    continue
                if query.get("To") and message["to"] != query["To"]:
                    continue
                sent = parsedate_to_datetime(message["date_sent"] or message["date_created"])
                if after and sent < day_or_time(after):
                    continue
                if before and sent > day_or_time(before) + (
                    dt.timedelta(days=1) if len(before) == 10 else dt.timedelta()
                ):
                    continue
                if on and sent.date() != day_or_time(on).date():
                    continue
                found.append({k: v for k, v in message.items() if k not in PRIVATE_FIELDS})
                if len(found) >= size:
                    break
            self.list_requests += 1
        uri = f"/2010-04-01/Accounts/{account_sid}/Messages.json"
        return {
            "messages": found,
            "end": max(len(found) - 1, 0),
            "start": 0,
            "page": 0,
            "page_size": size,
            "first_page_uri": uri,
            "next_page_uri": None,
            "previous_page_uri": None,
            "uri": uri,
        }

    def _rate_limited(self) -> bool:
        """Token bucket of `rate_limit` per second with one second of burst. Call with lock."""
        self._create_count += 1
        if self._create_count <= self.throttle_first:
            return True
        if not self.rate_limit:
            return False
        tokens, last = self._bucket
        now = time.monotonic()
        tokens = min(float(self.rate_limit), tokens + (now - last) * self.rate_limit)
        if tokens < 1:
            self._bucket = (tokens, now)
            return True
        self._bucket = (tokens - 1, now)
        return False

    def create_message(self, account_sid: str, params: dict[str, str]) -> tuple[int, dict]:
        """(HTTP status, payload); status 0 means "reset the connection" (payload: whether the
        message was created before)."""
        to, body = params.get("To", ""), params.get("Body", "")
        with self.lock:
            record = {"to": to, "at": time.time(), "account_sid": account_sid}
            self.requests.append(record)
            fault = self.fault_now()
            if fault == "reset":
                record["outcome"] = "reset"
                return 0, {}
            if fault and fault not in ("429", "reset-after"):
                record["outcome"] = int(fault)
                return int(fault), {"code": 20500, "message": "Service unavailable", "status": 503}
            if fault == "429" or self._rate_limited():
                record["outcome"] = 429
                return 429, _error(20429, 429)
            if not to:
                code = 21604
            elif not body:
                code = 21602
            elif not E164.match(to):
                code = 21211
            elif to in self.opted_out:
                code = 21610
            else:
                code = self.error_numbers.get(to)
            if code:
                record["outcome"] = code
                return 400, _error(code, 400, to=to)
            sid = "SM" + uuid.uuid4().hex
            now = time.time()
            message = {
                "sid": sid,
                "account_sid": account_sid,
                "to": to,
                "body": body,
                "from": params.get("From") or None,
                "messaging_service_sid": params.get("MessagingServiceSid") or None,
                "status": "accepted" if params.get("MessagingServiceSid") else "queued",
                "num_segments": str(_segments(body)),
                "num_media": "0",
                "direction": "outbound-api",
                "api_version": "2010-04-01",
                "price": None,
                "price_unit": "EUR",
                "error_code": None,
                "error_message": None,
                "date_created": formatdate(now, usegmt=True),
                "date_updated": formatdate(now, usegmt=True),
                "date_sent": None,
                "uri": f"/2010-04-01/Accounts/{account_sid}/Messages/{sid}.json",
                "subresource_uris": {
                    "media": f"/2010-04-01/Accounts/{account_sid}/Messages/{sid}/Media.json"
                },
                "at": now,
                "status_callback": params.get("StatusCallback") or None,
            }
            message["date_sent"] = message["date_created"]
            record["outcome"] = "accepted"
            record["sid"] = sid
            self.messages.append(message)
            self.by_sid[sid] = message
            callback = message["status_callback"] if self.callbacks else None
            if callback:
                self._plan_callbacks(message)
            if fault == "reset-after" or to in self.lose_answer_for:
                self.lose_answer_for.discard(to)
                record["outcome"] = "accepted, answer lost"
                return 0, {"created": True}
        public = {k: v for k, v in message.items() if k not in PRIVATE_FIELDS}
        return 201, public

    def _plan_callbacks(self, message: dict) -> None:
        """Call with lock held."""
        low, high = self.callback_delays
        roll = self.random.random()
        first = time.monotonic() + self.random.uniform(low, high)
        second = first + self.random.uniform(low, high)
        if roll < self.failed_share:
            steps = [(first, "failed", 30008)]
        elif roll < self.failed_share + self.undelivered_share:
            steps = [(first, "sent", None), (second, "undelivered", 30003)]
        else:
            steps = [(first, "sent", None), (second, "delivered", None)]
        with self._schedule_cv:
            for due, status, code in steps:
                heapq.heappush(
                    self._schedule,
                    (
                        due,
                        next(self._seq),
                        {"sid": message["sid"], "status": status, "error_code": code},
                    ),
                )
            self._schedule_cv.notify()

    def _callback_loop(self) -> None:
        while not self._stopping.is_set():
            with self._schedule_cv:
                while not self._stopping.is_set():
                    if self._schedule and self._schedule[0][0] <= time.monotonic():
                        _due, _seq, job = heapq.heappop(self._schedule)
                        break
                    timeout = (self._schedule[0][0] - time.monotonic()) if self._schedule else 1
                    self._schedule_cv.wait(max(timeout, 0.001))
                else:
                    return
            try:
                self._post_status(job)
            except Exception:  # a callback that fails must not stop the simulator
                logger.exception("status callback failed")

    def _post_status(self, job: dict) -> None:
        with self.lock:
            message = self.by_sid.get(job["sid"])
            if message is None:
                return
            message["status"] = job["status"]
            message["error_code"] = job["error_code"]
        params = {
            "MessageSid": message["sid"],
            "SmsSid": message["sid"],
            "MessageStatus": job["status"],
            "SmsStatus": job["status"],
            "AccountSid": message["account_sid"],
            "To": message["to"],
            "From": message["from"] or "+33700000000",
            "ApiVersion": "2010-04-01",
        }
        if message["messaging_service_sid"]:
            params["MessagingServiceSid"] = message["messaging_service_sid"]
        if job["error_code"]:
            params["ErrorCode"] = str(job["error_code"])
        status = self.post_signed(message["status_callback"], params, message["account_sid"])
        with self.lock:
            self.callbacks_sent.append(
                {"sid": message["sid"], "status": job["status"], "response": status}
            )

    # --- webhooks to the platform -------------------------------------------------------------

    def post_signed(self, url: str, params: dict[str, str], account_sid: str) -> int:
        """POST `params` to `url` signed with the account's auth token, as Twilio does. *.localhost
        hosts are reached on 127.0.0.1; `callback_target` (host:port) overrides where to connect
        while the URL (and so the signature and Host header) stays the public one."""
        token = self.accounts[account_sid]
        signature = RequestValidator(token).compute_signature(url, params)
        parts = urlsplit(url)
        host, port = parts.hostname or "127.0.0.1", parts.port or 80
        if self.callback_target:
            host, _sep, target_port = self.callback_target.rpartition(":")
            port = int(target_port)
        elif host == "localhost" or host.endswith(".localhost"):
            host = "127.0.0.1"
        body = urlencode(params)
        connection = http.client.HTTPConnection(host, port, timeout=30)
        try:
            connection.request(
                "POST",
                parts.path + (f"?{parts.query}" if parts.query else ""),
                body=body,
                headers={
                    "Host": parts.netloc,
                    "Content-Type": "application/x-www-form-urlencoded",
                    "X-Twilio-Signature": signature,
                    "User-Agent": "TwilioProxy/1.1",
                },
            )
            response = connection.getresponse()
            response.read()
            return response.status
        except OSError as error:
            logger.warning("webhook to %s failed: %s", url, error)
            return 0
        finally:
            connection.close()

    def send_inbound(
        self,
        *,
        url: str,
        from_: str,
        body: str,
        to: str = "+33700000000",
        account_sid: str | None = None,
    ) -> int:
        """A resident's SMS reaching the platform (e.g. STOP), posted to the inbound webhook."""
        account_sid = account_sid or next(iter(self.accounts))
        keyword = body.strip().upper()
        params = {
            "MessageSid": "SM" + uuid.uuid4().hex,
            "SmsSid": "",
            "AccountSid": account_sid,
            "From": from_,
            "To": to,
            "Body": body,
            "NumMedia": "0",
            "NumSegments": "1",
            "ApiVersion": "2010-04-01",
            "SmsStatus": "received",
        }
        params["SmsSid"] = params["MessageSid"]
        with self.lock:
            if keyword in STOP_WORDS:
                params["OptOutType"] = "STOP"
                self.opted_out.add(from_)
            elif keyword in START_WORDS:
                params["OptOutType"] = "START"
                self.opted_out.discard(from_)
        return self.post_signed(url, params, account_sid)


PRIVATE_FIELDS = ("at", "status_callback")


class _Server(ThreadingHTTPServer):
    # Read by server_activate() when the socket starts listening: set on the instance after
    # the constructor it would be too late (a backlog of 5 drops connections under load).
    request_queue_size = 256
    daemon_threads = True


def _error(code: int, status: int, **fields) -> dict:
    return {
        "code": code,
        "message": ERROR_MESSAGES.get(code, "Error").format(**fields),
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body are two writes: without this, Nagle's algorithm and the client's delayed
    # ACK stall every keep-alive response by ~40 ms.
    disable_nagle_algorithm = True
    sim: TwilioSimulator

    def log_message(self, format, *args):
        if self.sim.verbose:
            super().log_message(format, *args)

    def _send_json(self, status: int, payload: dict) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _account(self, account_sid: str) -> bool:
        header = self.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return False
        with contextlib.suppress(ValueError):
            user, _sep, token = base64.b64decode(header[6:]).decode().partition(":")
            return user == account_sid and self.sim.accounts.get(user) == token
        return False

    def do_POST(self):
        path = urlsplit(self.path).path
        body = self._body()
        if path.startswith("/_sim/"):
            return self._control(path, body)
        match = MESSAGES_PATH.match(path)
        if not match:
            return self._send_json(404, _error(20404, 404))
        if not self._account(match[1]):
            return self._send_json(401, _error(20003, 401))
        params = dict(parse_qsl(body.decode(), keep_blank_values=True))
        status, payload = self.sim.create_message(match[1], params)
        if status == 0:
            return self._reset()
        return self._send_json(status, payload)

    def _reset(self) -> None:
        """Close with a TCP reset and no answer, as a dropped connection looks to the client."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True

    def do_GET(self):
        path = urlsplit(self.path).path
        if path == "/_sim/state":
            return self._send_json(200, self.sim.state())
        listing = MESSAGES_PATH.match(path)
        if listing:
            if not self._account(listing[1]):
                return self._send_json(401, _error(20003, 401))
            query = dict(parse_qsl(urlsplit(self.path).query, keep_blank_values=True))
            return self._send_json(200, self.sim.list_messages(listing[1], query))
        match = MESSAGE_PATH.match(path)
        if not match:
            return self._send_json(404, _error(20404, 404))
        if not self._account(match[1]):
            return self._send_json(401, _error(20003, 401))
        with self.sim.lock:
            message = self.sim.by_sid.get(match[2])
        if message is None or message["account_sid"] != match[1]:
            return self._send_json(404, _error(20404, 404))
        return self._send_json(200, {k: v for k, v in message.items() if k not in PRIVATE_FIELDS})

    def _control(self, path: str, body: bytes):
        data = json.loads(body or b"{}")
        if path == "/_sim/config":
            try:
                self.sim.configure(**data)
            except ValueError as error:
                return self._send_json(400, {"error": str(error)})
            return self._send_json(200, {"ok": True})
        if path == "/_sim/reset":
            self.sim.reset()
            return self._send_json(200, {"ok": True})
        if path == "/_sim/inbound":
            status = self.sim.send_inbound(
                url=data["url"],
                from_=data["from"],
                body=data["body"],
                to=data.get("to", "+33700000000"),
                account_sid=data.get("account_sid"),
            )
            return self._send_json(200, {"webhook_status": status})
        return self._send_json(404, {"error": "unknown control endpoint"})
