import pytest
from django_tenants.utils import tenant_context

from accounts.models import User
from civic import services
from civic.models import Category, Status
from tests.conftest import make_user


@pytest.mark.live
def test_follower_email_is_sent_by_the_worker_in_the_councils_schema(
    committed_db, live_celery, worker_outbox
):
    from tenants.models import Council

    dinan = Council.objects.get(slug="dinan")
    with tenant_context(dinan):
        reporter = make_user("live-reporter@example.org", language="en")  # emails: her language
        staff = make_user("live-moderator@dinan.example", "moderator")
        category = Category.objects.create(code="live-pothole", name_fr="Trou", name_en="Hole")
        try:
            report = services.issue_report_create(
                reporter=reporter,
                category=category,
                title="Live",
                description="Worker test",
                address="Rue de la Lainerie",
            )
            services.report_status_change(
                report=report,
                actor=staff,
                status=Status.FIXED,
                public_note="Sent through the worker",
            )
            (message,) = worker_outbox.wait_for(1)
            assert "To: live-reporter@example.org" in message
            assert "Sent through the worker" in message and "Is it fixed?" in message
            assert f"http://dinan.localhost/reports/{report.pk}/" in message
            assert "List-Unsubscribe-Post: List-Unsubscribe=One-Click" in message
            report.refresh_from_db()
            assert report.events.get(kind="status").notifications.get().sent_at is not None
        finally:
            category.reports.all().delete()
            category.delete()
            User.objects.filter(email__in=[reporter.email, staff.email]).delete()
