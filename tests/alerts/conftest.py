"""Fixtures of the alert tests: the Twilio simulator (a real local HTTP server, the only fake),
subscribed residents, signed webhook requests."""

import itertools

import pytest
from django.utils import timezone
from twilio.request_validator import RequestValidator

from alerts.models import Alert, AlertSubscription
from alerts.simulator import TwilioSimulator
from community.models import Neighbourhood
from tests.conftest import make_user

ACCOUNT_SID = "AC" + "1" * 32
AUTH_TOKEN = "test-platform-auth-token"
MESSAGING_SERVICE_SID = "MG" + "2" * 32
_numbers = itertools.count(1)


@pytest.fixture
def twilio(settings):
    """The simulator, with the platform's Twilio settings pointing at it."""
    simulator = TwilioSimulator(accounts={ACCOUNT_SID: AUTH_TOKEN}, callbacks=False, seed=1)
    simulator.start()
    settings.SMS_BACKEND = "core.sms.TwilioBackend"
    settings.TWILIO_API_BASE_URL = simulator.url
    settings.TWILIO_ACCOUNT_SID = ACCOUNT_SID
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
    settings.TWILIO_MESSAGING_SERVICE_SID = MESSAGING_SERVICE_SID
    yield simulator
    simulator.stop()


def new_phone() -> str:
    return f"+3361{next(_numbers):07d}"


def subscriber(
    email: str,
    *,
    phone: str | None = None,
    whole_council: bool = False,
    neighbourhoods=(),
    confirmed: bool = True,
    paused: bool = False,
    **fields,
):
    """A resident with a phone (confirmed unless told otherwise) and an alert subscription."""
    user = make_user(
        email,
        phone=phone or new_phone(),
        phone_confirmed_at=timezone.now() if confirmed else None,
        **fields,
    )
    subscription = AlertSubscription.objects.create(
        user=user, whole_council=whole_council, paused=paused
    )
    subscription.neighbourhoods.set(neighbourhoods)
    return user


def neighbourhood(name: str, area: dict | None = None) -> Neighbourhood:
    return Neighbourhood.objects.create(name=name, area=area)


def draft(author, *, neighbourhoods=(), **fields) -> Alert:
    from alerts.services import alert_create

    values = {
        "headline": "Flood warning",
        "event": "Flood",
        "sms_body": "Flood: keep away from the river.",
        "whole_council": not neighbourhoods,
        "category": "Met",
        "severity": "Severe",
        "urgency": "Immediate",
        "certainty": "Observed",
        "response_type": "Prepare",
        "language": "en",
    }
    values.update(fields)
    return alert_create(author=author, fields=values, neighbourhoods=list(neighbourhoods))


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    """Send an alert and run what it enqueues (eager Celery) as the commit would."""
    from alerts.services import alert_send

    def _send(alert: Alert, actor) -> Alert:
        with django_capture_on_commit_callbacks(execute=True):
            alert_send(alert=alert, actor=actor)
        alert.refresh_from_db()
        return alert

    return _send


def signed(url: str, params: dict, token: str = AUTH_TOKEN) -> str:
    return RequestValidator(token).compute_signature(url, params)


@pytest.fixture
def twilio_post(settings):
    """POST a webhook to a council's host, signed as Twilio would sign it."""
    settings.TWILIO_ACCOUNT_SID = ACCOUNT_SID
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
    settings.TWILIO_MESSAGING_SERVICE_SID = MESSAGING_SERVICE_SID

    def _post(
        client, path: str, params: dict, *, signature: str | None = None, token: str = AUTH_TOKEN
    ):
        params = {"AccountSid": ACCOUNT_SID, **params}
        host = client.council.get_primary_domain().domain
        url = f"{settings.PUBLIC_URL_SCHEME}://{host}{path}"
        headers = {}
        if signature != "":
            headers["HTTP_X_TWILIO_SIGNATURE"] = (
                signature if signature is not None else signed(url, params, token)
            )
        return client.post(path, params, **headers)

    return _post
