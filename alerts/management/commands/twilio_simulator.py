"""`python manage.py twilio_simulator --port 8031`: a local stand-in for Twilio's Messages API
(alerts/simulator.py). Point the platform at it with TWILIO_API_BASE_URL=http://127.0.0.1:8031
and SMS_BACKEND=core.sms.TwilioBackend (`make run` does).

A resident's reply, e.g. STOP, is simulated with:
  curl -X POST http://127.0.0.1:8031/_sim/inbound -d '{"from": "+33600000001", "body": "STOP",
       "url": "http://dinan.localhost:8000/webhooks/twilio/inbound/"}'
"""

import contextlib

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from alerts.simulator import TwilioSimulator


def _pair(value: str) -> tuple[str, str]:
    left, sep, right = value.rpartition(":")
    if not sep or not left or not right:
        raise CommandError(f"expected LEFT:RIGHT, got {value!r}")
    return left, right


class Command(BaseCommand):
    help = "Run a local Twilio Messages API simulator (development and tests)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8031)
        parser.add_argument(
            "--account",
            action="append",
            default=[],
            metavar="SID:TOKEN",
            help="an account it accepts (default: TWILIO_ACCOUNT_SID/AUTH_TOKEN)",
        )
        parser.add_argument(
            "--error",
            action="append",
            default=[],
            metavar="NUMBER:CODE",
            help="answer this Twilio error code for this number, e.g. +33600000009:21614",
        )
        parser.add_argument(
            "--rate-limit",
            type=float,
            default=None,
            help="messages per second before answering 429",
        )
        parser.add_argument(
            "--throttle-first",
            type=int,
            default=0,
            help="answer 429 to the first N create requests",
        )
        parser.add_argument("--undelivered-share", type=float, default=0.0)
        parser.add_argument("--failed-share", type=float, default=0.0)
        parser.add_argument(
            "--no-callbacks", action="store_true", help="do not post status callbacks"
        )
        parser.add_argument(
            "--callback-delay",
            default="0.5,2",
            metavar="MIN,MAX",
            help="seconds before each status callback",
        )
        parser.add_argument(
            "--callback-target",
            default=None,
            metavar="HOST:PORT",
            help="connect here for callbacks (the URL signed stays the public one)",
        )
        parser.add_argument("--seed", type=int, default=None)
        parser.add_argument("--verbose", action="store_true")

    def handle(self, *args, **options):
        accounts = dict(_pair(a) for a in options["account"])
        if not accounts:
            if not (settings.TWILIO_ACCOUNT_SID and settings.TWILIO_AUTH_TOKEN):
                raise CommandError(
                    "Give --account SID:TOKEN or set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN."
                )
            accounts = {settings.TWILIO_ACCOUNT_SID: settings.TWILIO_AUTH_TOKEN}
        low, _sep, high = options["callback_delay"].partition(",")
        simulator = TwilioSimulator(
            host=options["host"],
            port=options["port"],
            accounts=accounts,
            error_numbers={n: int(c) for n, c in map(_pair, options["error"])},
            rate_limit=options["rate_limit"],
            throttle_first=options["throttle_first"],
            undelivered_share=options["undelivered_share"],
            failed_share=options["failed_share"],
            callbacks=not options["no_callbacks"],
            callback_delays=(float(low), float(high or low)),
            callback_target=options["callback_target"],
            seed=options["seed"],
            verbose=options["verbose"],
        )
        self.stdout.write(
            f"Twilio simulator on http://{options['host']}:{options['port']} "
            f"(accounts: {', '.join(accounts)})"
        )
        with contextlib.suppress(KeyboardInterrupt):
            simulator.serve_forever()
