import io

import pytest
from django.core.management import CommandError, call_command
from django_tenants.utils import tenant_context

from civic import services
from civic.models import Open311ApiKey


def test_command_prints_a_working_key_of_that_council_only(dinan, saint_malo):
    out = io.StringIO()
    call_command(
        "open311_key", "--council", "dinan", "--name", "Fix app", stdout=out, stderr=io.StringIO()
    )
    raw = out.getvalue().strip()
    assert len(raw) >= 40
    with tenant_context(dinan):
        key = services.api_key_check(raw)
        assert key is not None and key.name == "Fix app" and key.created_by is None
    with tenant_context(saint_malo):
        assert services.api_key_check(raw) is None and not Open311ApiKey.objects.exists()


def test_command_refuses_an_unknown_council(db):
    with pytest.raises(CommandError):
        call_command("open311_key", "--council", "atlantis", "--name", "x")
