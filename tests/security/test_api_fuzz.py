"""Issue 15: the API fuzzed from its own OpenAPI schema (schemathesis), with the tokens of
several roles: no answer is a 500, none contradicts the schema (status, content type, body).
Bounded: a few examples per operation and role, about a minute in all."""

import json
from contextlib import contextmanager

import hypothesis
import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase
from rest_framework.authtoken.models import Token

from config.wsgi import application
from tests.conftest import CouncilClient, make_user

EXAMPLES = 6
# A request valid by the schema may still be refused by a rule the schema cannot say (an
# empty SMS text, an unknown category): a 4xx is the right answer there, not a failure.
EXCLUDED_CHECKS = [schemathesis.checks.positive_data_acceptance]
ROLES = {
    "anonymous": None,
    "resident": (),
    "agent": ("agent",),
    "communications_officer": ("communications_officer",),
    "council_admin": ("council_admin",),
}


@contextmanager
def wsgi_in_test_transaction():
    """Requests through the WSGI app keep the test's connection (and its transaction), as
    Django's test client does: the handler would close it after each request otherwise."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def schema(dinan, in_dinan):
    raw = CouncilClient(dinan).get("/api/schema/", {"format": "json"})
    assert raw.status_code == 200
    loaded = schemathesis.openapi.from_dict(json.loads(raw.content))
    loaded.app = application
    return loaded


@pytest.fixture
def tokens(in_dinan, pothole):
    found = {}
    for name, roles in ROLES.items():
        if roles is None:
            found[name] = None
            continue
        user = make_user(f"fuzz-{name}@dinan.example", *roles)
        found[name] = Token.objects.create(user=user).key
    return found


@pytest.fixture
def pothole(in_dinan):
    from civic.models import Category

    return Category.objects.create(code="pothole", name_en="Pothole", name_fr="Nid-de-poule")


def test_every_operation_answers_within_its_schema_for_every_role(schema, tokens, dinan):
    host = dinan.get_primary_domain().domain
    failures: list[str] = []
    with wsgi_in_test_transaction():
        for operation in schema.get_all_operations():
            _fuzz(operation.ok(), tokens, host, failures)
    assert not failures, "\n\n".join(failures[:20])


def _fuzz(op, tokens, host, failures) -> None:
    @hypothesis.settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        derandomize=True,
    )
    @hypothesis.given(case=op.as_strategy())
    def run(case):
        for role, token in tokens.items():
            headers = {"Host": host}
            if token:
                headers["Authorization"] = f"Token {token}"
            try:
                case.call_and_validate(headers=headers, excluded_checks=EXCLUDED_CHECKS)
            except Exception as error:
                failures.append(f"{op.label} as {role}: {type(error).__name__}: {error}"[:2000])

    try:
        run()
    except Exception as error:
        failures.append(f"{op.label}: {type(error).__name__}: {error}"[:3000])
