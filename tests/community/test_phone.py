"""Phone number confirmation by SMS code, and its rate limits."""

import re

import pytest
from django.core.exceptions import ValidationError

from community import services
from community.models import EventKind, VerificationEvent
from community.services.phone import MAX_WRONG_PER_CODE, SEND_LIMITS
from core import sms as transport
from core.ratelimit import RateLimited
from tests.conftest import make_user


@pytest.fixture(autouse=True)
def _empty_outbox():
    transport.outbox.clear()
    yield
    transport.outbox.clear()


def last_code() -> str:
    return re.search(r"\b(\d{6})\b", transport.outbox[-1].body).group(1)


def test_code_by_sms_confirms_the_number(resident):
    number = services.phone_confirmation_send(user=resident, phone="06 12 34 56 78", ip="1.2.3.4")
    assert number == "+33612345678"
    [sms] = transport.outbox
    assert sms.to == "+33612345678" and sms.schema == "dinan"
    services.phone_confirmation_check(user=resident, code=last_code(), ip="1.2.3.4")
    resident.refresh_from_db()
    assert resident.phone == "+33612345678" and resident.phone_confirmed_at is not None
    assert VerificationEvent.objects.filter(
        kind=EventKind.PHONE_CONFIRMED, resident=resident
    ).exists()
    with pytest.raises(ValidationError):  # single use
        services.phone_confirmation_check(user=resident, code=last_code(), ip="1.2.3.4")


def test_wrong_codes_void_the_code(resident):
    services.phone_confirmation_send(user=resident, phone="+33612345678", ip="1.2.3.4")
    right = last_code()
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    for _ in range(MAX_WRONG_PER_CODE):
        with pytest.raises(ValidationError):
            services.phone_confirmation_check(user=resident, code=wrong, ip="1.2.3.4")
    with pytest.raises(ValidationError):
        services.phone_confirmation_check(user=resident, code=right, ip="1.2.3.4")
    resident.refresh_from_db()
    assert resident.phone_confirmed_at is None


def test_sends_are_limited_per_number(in_dinan):
    limit = SEND_LIMITS["number"][0]
    for i in range(limit):
        person = make_user(f"p{i}@example.org")
        services.phone_confirmation_send(user=person, phone="+33611111111", ip=f"10.0.0.{i}")
    other = make_user("other@example.org")
    with pytest.raises(RateLimited):
        services.phone_confirmation_send(user=other, phone="+33611111111", ip="10.0.1.1")
    assert len(transport.outbox) == limit


def test_sends_are_limited_per_account(resident):
    limit = SEND_LIMITS["account"][0]
    for i in range(limit):
        services.phone_confirmation_send(user=resident, phone=f"+3361111110{i}", ip=f"10.0.0.{i}")
    with pytest.raises(RateLimited):
        services.phone_confirmation_send(user=resident, phone="+33622222222", ip="10.9.9.9")
    assert len(transport.outbox) == limit


def test_sends_are_limited_per_ip(in_dinan):
    limit = SEND_LIMITS["ip"][0]
    for i in range(limit):
        services.phone_confirmation_send(
            user=make_user(f"ip{i}@example.org"), phone=f"+336333333{i:02d}", ip="192.0.2.7"
        )
    with pytest.raises(RateLimited):
        services.phone_confirmation_send(
            user=make_user("last@example.org"), phone="+33644444444", ip="192.0.2.7"
        )


def test_the_limit_per_number_holds_across_councils(resident, saint_malo):
    """Every council texts from the platform's account: a number gets at most the limit per
    hour, whichever councils ask (issue 15)."""
    from django_tenants.utils import tenant_context

    for i in range(SEND_LIMITS["number"][0]):
        services.phone_confirmation_send(
            user=make_user(f"d{i}@example.org"), phone="+33655555555", ip=f"10.1.0.{i}"
        )
    with tenant_context(saint_malo), pytest.raises(RateLimited):
        services.phone_confirmation_send(
            user=make_user("malo@example.org"), phone="+33655555555", ip="10.2.0.1"
        )
    assert len(transport.outbox) == SEND_LIMITS["number"][0]


def test_limits_per_account_and_address_are_per_council(resident, saint_malo):
    from django_tenants.utils import tenant_context

    for i in range(SEND_LIMITS["ip"][0]):
        services.phone_confirmation_send(
            user=make_user(f"d{i}@example.org"), phone=f"+336555555{i:02d}", ip="10.1.0.1"
        )
    with tenant_context(saint_malo):
        services.phone_confirmation_send(
            user=make_user("malo@example.org"), phone="+33666666666", ip="10.1.0.1"
        )
    assert transport.outbox[-1].schema == "saint_malo"


def test_bad_number_is_refused(resident):
    with pytest.raises(ValidationError) as refused:
        services.phone_confirmation_send(user=resident, phone="call me", ip="1.2.3.4")
    assert refused.value.messages == ["Enter a valid phone number, e.g. 06 12 34 56 78."]
    assert not transport.outbox


def test_phone_page_flow_and_429(resident, client_dinan):
    client = client_dinan.login_as(resident)
    response = client.post("/phone/", {"send": "1", "phone": "06 12 34 56 78"})
    assert response.status_code == 302
    page = client.get("/phone/").content.decode()
    assert "Enter the code sent to 06 12 34 56 78" in page
    assert client.post("/phone/", {"check": "1", "code": last_code()}).status_code == 302
    assert "is confirmed" in client.get("/phone/").content.decode()
    for _ in range(SEND_LIMITS["number"][0] - 1):
        client.post("/phone/", {"send": "1", "phone": "06 12 34 56 78"})
    limited = client.post("/phone/", {"send": "1", "phone": "06 12 34 56 78"})
    assert limited.status_code == 429
    assert "Too many codes were sent" in limited.content.decode()


@pytest.fixture
def in_reunion(in_dinan):
    """Dinan, moved to La Réunion for the test: national numbers are read as +262."""
    in_dinan.phone_region = "RE"
    in_dinan.save(update_fields=["phone_region"])
    return in_dinan


def test_overseas_council_reads_national_numbers_in_its_region(in_reunion, client_dinan):
    resident = make_user("ile@example.org")
    client = client_dinan.login_as(resident)
    assert client.post("/phone/", {"send": "1", "phone": "0692123456"}).status_code == 302
    [sms] = transport.outbox
    assert sms.to == "+262692123456"
    page = client.get("/phone/").content.decode()
    assert "Enter the code sent to 0692 12 34 56" in page
    assert client.post("/phone/", {"check": "1", "code": last_code()}).status_code == 302
    resident.refresh_from_db()
    assert resident.phone == "+262692123456" and resident.phone_confirmed_at is not None


def test_a_number_that_does_not_exist_is_refused_with_an_example(resident, client_dinan):
    client = client_dinan.login_as(resident)
    response = client.post("/phone/", {"send": "1", "phone": "+1234567"})
    assert response.status_code == 400
    assert "Enter a valid phone number, e.g. 06 12 34 56 78." in response.content.decode()
    assert not transport.outbox


def test_the_pending_number_is_not_kept_in_the_session(resident, client_dinan):
    from django.contrib.sessions.models import Session

    client = client_dinan.login_as(resident)
    client.post("/phone/", {"send": "1", "phone": "06 12 34 56 78"})
    session = Session.objects.get(session_key=client.session.session_key)
    assert "+33612345678" not in str(session.get_decoded())
