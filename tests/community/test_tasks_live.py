"""The hourly expiry, through Redis and a real worker: beat's fan-out task runs in the public
schema and must reach each council's schema."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from accounts.models import User
from community import services
from community.models import RequestStatus, VerificationRequest
from tenants.models import Council
from tests.conftest import PASSWORD


@pytest.mark.live
def test_expiry_fan_out_reaches_each_council(committed_db, live_celery):
    from community.tasks import expire_verifications_everywhere

    councils = [Council.objects.get(slug="dinan"), Council.objects.get(slug="saint-malo")]
    made = []
    try:
        for council in councils:
            with tenant_context(council):
                user = User.objects.create_user(
                    f"live-expiry@{council.slug}.example", PASSWORD, full_name="Live Expiry"
                )
                services.residence_declare(
                    user=user, address_line1="1 rue Live", postcode="22100", city="Dinan"
                )
                request = services.cooptation_request_open(user=user)
                VerificationRequest.objects.filter(pk=request.pk).update(
                    created_at=timezone.now() - timedelta(days=31)
                )
                made.append((council, user, request.pk))
        expire_verifications_everywhere.delay()  # sent from the public schema, like beat
        deadline = time.monotonic() + 30
        pending = list(made)
        while pending and time.monotonic() < deadline:
            time.sleep(0.2)
            still = []
            for council, user, pk in pending:
                with tenant_context(council):
                    if VerificationRequest.objects.get(pk=pk).status != RequestStatus.EXPIRED:
                        still.append((council, user, pk))
            pending = still
        assert not pending, f"not expired in {[c.slug for c, _u, _p in pending]}"
    finally:
        for council, user, _pk in made:
            with tenant_context(council):
                user.delete()
