"""Private conversations: who may read them, grouped email notifications, blocks, links,
agreement and public thank-yous."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.utils import timezone

from community.mutual_aid import selectors, services, tasks
from community.mutual_aid.models import Conversation, Message
from tests.conftest import CouncilClient

from .conftest import api, post


@pytest.fixture
def thread(alice, bruno, django_capture_on_commit_callbacks):
    listing = post(alice)
    with django_capture_on_commit_callbacks(execute=True):
        conversation = services.conversation_open(
            listing=listing, respondent=bruno, body="Bonjour, mon vélo a un pneu crevé."
        )
    return conversation


def test_a_third_resident_cannot_read_a_conversation_page_or_api(thread, chloe, moderator, dinan):
    url = f"/mutual-aid/conversations/{thread.pk}/"
    api_url = f"/api/v1/community/mutual-aid/conversations/{thread.pk}/"
    for intruder in (chloe, moderator):
        client = CouncilClient(dinan).login_as(intruder)
        assert client.get(url).status_code == 404
        assert client.post(url, {"body": "Je lis tout"}).status_code == 404
        api_client = api(CouncilClient(dinan), intruder)
        assert api_client.get(api_url).status_code == 404
        assert api_client.post(api_url + "messages/", {"body": "x"}).status_code == 404
        assert api_client.get("/api/v1/community/mutual-aid/conversations/").json() == []
    assert not Message.objects.filter(body__in=["Je lis tout", "x"]).exists()
    # The two participants do read it.
    for member in (thread.author, thread.respondent):
        page = CouncilClient(dinan).login_as(member).get(url).content.decode()
        assert "pneu crevé" in page
        data = api(CouncilClient(dinan), member).get(api_url).json()
        assert data["messages"][0]["body"] == "Bonjour, mon vélo a un pneu crevé."


def test_emails_are_grouped_one_per_thread_per_fifteen_minutes(
    thread, alice, bruno, django_capture_on_commit_callbacks
):
    assert [m.to for m in mail.outbox] == [["alice@example.org"]]
    first = mail.outbox[0]
    assert "Bruno" in first.body and f"/mutual-aid/conversations/{thread.pk}/" in first.body
    assert "bruno@example.org" not in first.body and "Le Goff" not in first.body
    with django_capture_on_commit_callbacks(execute=True):
        services.message_send(conversation=thread, sender=bruno, body="Il est dans la cour.")
        services.message_send(conversation=thread, sender=bruno, body="Je passe à 18 h ?")
    assert len(mail.outbox) == 1  # within the window: deferred, not sent
    thread.refresh_from_db()
    assert thread.author_email_due_at == thread.author_emailed_at + timedelta(minutes=15)
    # Fifteen minutes later (the scheduled task, or beat's re-drive if the broker lost it).
    ago = timedelta(minutes=16)
    Conversation.objects.filter(pk=thread.pk).update(
        created_at=F("created_at") - ago,
        author_emailed_at=F("author_emailed_at") - ago,
        author_email_due_at=F("author_email_due_at") - ago,
    )
    Message.objects.filter(conversation=thread).update(created_at=F("created_at") - ago)
    assert tasks.mutual_aid_periodic() == 1
    assert len(mail.outbox) == 2
    assert "2 new messages" in mail.outbox[1].subject
    assert tasks.mutual_aid_periodic() == 0  # sent once
    thread.refresh_from_db()
    assert thread.author_email_due_at is None


def test_reading_the_thread_means_no_email_for_what_was_read(
    thread, alice, bruno, client_dinan, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.message_send(conversation=thread, sender=bruno, body="Toujours là ?")
    client_dinan.login_as(alice).get(f"/mutual-aid/conversations/{thread.pk}/")
    Conversation.objects.filter(pk=thread.pk).update(
        author_emailed_at=timezone.now() - timedelta(minutes=20),
        author_email_due_at=timezone.now() - timedelta(minutes=5),
    )
    assert services.conversation_notifications_send(conversation_id=thread.pk) == 0
    assert len(mail.outbox) == 1


def test_the_reply_notifies_the_other_side_in_their_language(
    thread, alice, bruno, django_capture_on_commit_callbacks
):
    bruno.language = "fr"
    bruno.save(update_fields=["language"])
    with django_capture_on_commit_callbacks(execute=True):
        services.message_send(conversation=thread, sender=alice, body="Passez demain.")
    assert mail.outbox[-1].to == ["bruno@example.org"]
    assert "Alice" in mail.outbox[-1].body and "alice@example.org" not in mail.outbox[-1].body
    assert "nouveau message" in mail.outbox[-1].subject.lower()


def test_messages_with_links_are_flagged_to_the_recipient(thread, alice, bruno, client_dinan):
    message = services.message_send(
        conversation=thread, sender=bruno, body="Payez ici : https://arnaque.example/pay"
    )
    plain = services.message_send(conversation=thread, sender=bruno, body="Merci d'avance")
    assert message.has_link and not plain.has_link
    page = client_dinan.login_as(alice).get(f"/mutual-aid/conversations/{thread.pk}/")
    assert "This message contains a link" in page.content.decode()
    own = client_dinan.login_as(bruno).get(f"/mutual-aid/conversations/{thread.pk}/")
    assert "This message contains a link" not in own.content.decode()


def test_a_blocked_resident_can_no_longer_write(thread, alice, bruno, client_dinan):
    client_dinan.login_as(alice).post(f"/mutual-aid/conversations/{thread.pk}/block/")
    with pytest.raises(PermissionDenied):
        services.message_send(conversation=thread, sender=bruno, body="Pourquoi ?")
    with pytest.raises(PermissionDenied):
        services.conversation_open(listing=post(alice, title="Autre"), respondent=bruno, body="Hé")
    with pytest.raises(PermissionDenied):  # nor the one who blocked, while the block lasts
        services.message_send(conversation=thread, sender=alice, body="Au revoir")
    services.block_remove(blocker=alice, blocked=bruno)
    services.message_send(conversation=thread, sender=bruno, body="Merci")


def test_agreed_then_done_then_public_thanks_count_neighbours_helped(
    thread, alice, bruno, chloe, client_dinan
):
    listing = thread.listing
    client = client_dinan.login_as(alice)
    client.post(f"/mutual-aid/listings/{listing.pk}/agree/", {"conversation": thread.pk})
    client.post(f"/mutual-aid/listings/{listing.pk}/done/")
    listing.refresh_from_db()
    assert listing.status == "done" and listing.helper == bruno
    with pytest.raises(PermissionDenied):
        services.thank_you_leave(conversation=thread, author=chloe, text="Bravo")
    client.post(f"/mutual-aid/conversations/{thread.pk}/thank/", {"text": "Vélo réparé, merci !"})
    services.thank_you_leave(conversation=thread, author=bruno, text="Très bon accueil")
    assert selectors.helped_count(alice) == 1 and selectors.helped_count(bruno) == 1
    other = post(bruno, title="Je garde vos plantes", code="plants-pets")
    page = client_dinan.get(other.get_absolute_url()).content.decode()
    assert "has helped 1 neighbour" in page and "Vélo réparé, merci !" in page


def test_writing_again_continues_the_same_thread(thread, bruno):
    again = services.conversation_open(listing=thread.listing, respondent=bruno, body="Relance")
    assert again.pk == thread.pk and again.messages.count() == 2
    with pytest.raises(Exception, match="own listing"):
        services.conversation_open(listing=thread.listing, respondent=thread.author, body="Moi")
