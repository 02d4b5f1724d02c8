"""Grouped message emails through Redis and a real worker process."""

import time

import pytest
from django_tenants.utils import tenant_context

from community.mutual_aid import services
from community.mutual_aid.models import AidCategory, Conversation
from tenants.models import Council
from tests.factories import ResidenceFactory, UserFactory


@pytest.mark.live
def test_the_worker_sends_one_email_per_thread_and_window(committed_db, live_celery, worker_outbox):
    council = Council.objects.get(slug="dinan")
    with tenant_context(council):
        alice = UserFactory(email="live-aid-alice@example.org", full_name="Alice Live")
        bruno = UserFactory(email="live-aid-bruno@example.org", full_name="Bruno Live")
        for user in (alice, bruno):
            user.language = "en"
            user.save(update_fields=["language"])
            ResidenceFactory(user=user, status="verified")
        conversation = None
        try:
            listing = services.listing_create(
                author=alice,
                kind="offer",
                category=AidCategory.objects.get(code="lending"),
                title="Escabeau à prêter",
                description="Trois marches.",
            )
            conversation = services.conversation_open(
                listing=listing, respondent=bruno, body="Bonjour, pour samedi ?"
            )
            sent = worker_outbox.wait_for(1)
            assert "To: live-aid-alice@example.org" in sent[0]
            assert "Bruno" in sent[0] and "live-aid-bruno" not in sent[0]
            services.message_send(conversation=conversation, sender=bruno, body="Ou dimanche.")
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                conversation.refresh_from_db()
                if conversation.author_email_due_at is not None:
                    break
                time.sleep(0.2)
            # The worker deferred the second email to the end of the 15-minute window.
            assert conversation.author_email_due_at == (
                conversation.author_emailed_at + services.EMAIL_WINDOW
            )
            assert len(worker_outbox.messages()) == 1
        finally:
            if conversation is not None:
                Conversation.objects.filter(pk=conversation.pk).delete()
            alice.delete()
            bruno.delete()
