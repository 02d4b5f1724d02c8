"""Safety: rate limits (stricter for new accounts), abuse reports, moderation with reasons and
audit rows, suspensions."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied

from community.mutual_aid import services
from community.mutual_aid.models import AbuseReport, Listing
from core.audit import AuditEntry
from core.ratelimit import RateLimited
from tenants.models import current_council
from tests.community.conftest import verified
from tests.emails import assert_sent_by_council

from .conftest import post


def test_new_accounts_post_fewer_listings_a_day(hoods, bruno):
    newcomer = verified("newcomer@example.org", neighbourhood=hoods["centre"])
    for _ in range(services.LISTINGS_PER_DAY["new"]):
        post(newcomer)
    with pytest.raises(RateLimited):
        post(newcomer)
    for _ in range(services.LISTINGS_PER_DAY["established"]):
        post(bruno)
    with pytest.raises(RateLimited):
        post(bruno)


def test_new_accounts_send_fewer_messages_an_hour(alice, hoods, client_dinan):
    newcomer = verified("newcomer@example.org", neighbourhood=hoods["centre"])
    conversation = services.conversation_open(listing=post(alice), respondent=newcomer, body="1")
    for n in range(services.MESSAGES_PER_HOUR["new"] - 1):
        services.message_send(conversation=conversation, sender=newcomer, body=f"msg {n}")
    with pytest.raises(RateLimited):
        services.message_send(conversation=conversation, sender=newcomer, body="one too many")
    # An established resident has more room in the same hour.
    for n in range(services.MESSAGES_PER_HOUR["new"] + 1):
        services.message_send(conversation=conversation, sender=alice, body=f"reply {n}")
    response = client_dinan.login_as(newcomer).post(
        f"/mutual-aid/conversations/{conversation.pk}/", {"body": "again"}
    )
    assert response.status_code == 429


def test_abuse_report_hidden_with_reason_author_told_and_audited(
    alice, bruno, moderator, client_dinan, django_capture_on_commit_callbacks
):
    listing = post(alice, title="Vente de médicaments")
    client = client_dinan.login_as(bruno)
    client.post(f"/mutual-aid/listings/{listing.pk}/report/", {"reason": "Vente interdite"})
    report = AbuseReport.objects.get(listing=listing)
    assert report.reporter == bruno and report.status == "open"
    staff = client_dinan.login_as(moderator)
    queue = staff.get("/staff/community/mutual-aid/").content.decode()
    assert "Vente de médicaments" in queue
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(
            f"/staff/community/mutual-aid/reports/{report.pk}/hide/",
            {"reason": "Les médicaments ne se vendent pas ici."},
        )
    assert response.status_code == 302
    listing.refresh_from_db()
    report.refresh_from_db()
    assert listing.is_hidden and listing.hidden_reason == "Les médicaments ne se vendent pas ici."
    assert report.status == "actioned" and report.handled_by == moderator
    # The author is told why, by email and on the page.
    assert mail.outbox[-1].to == ["alice@example.org"]
    assert "Les médicaments ne se vendent pas ici." in mail.outbox[-1].body
    assert_sent_by_council(mail.outbox[-1], current_council())
    assert "Vente de médicaments" not in client_dinan.get("/mutual-aid/").content.decode()
    assert client_dinan.login_as(bruno).get(listing.get_absolute_url()).status_code == 404
    own = client_dinan.login_as(alice).get(listing.get_absolute_url()).content.decode()
    assert "Les médicaments ne se vendent pas ici." in own
    entry = AuditEntry.objects.get(action="community.aid_listing_hide")
    assert entry.actor_id == moderator.pk and entry.target_id == str(listing.pk)
    # That a reason was given, not the moderator's words (core/audit.py).
    assert entry.data["with_reason"] is True
    assert "médicaments" not in str(entry.data) + str(entry.before) + str(entry.after)
    assert "alice@example.org" not in str(entry.data) + entry.target_label
    services.listing_unhide(listing=listing, actor=moderator)
    shown = AuditEntry.objects.get(action="community.aid_listing_unhide")
    assert "médicaments" not in str(shown.data) + str(shown.before) + str(shown.after)


def test_a_reported_message_is_hidden_from_the_recipient(
    alice, bruno, moderator, client_dinan, django_capture_on_commit_callbacks
):
    conversation = services.conversation_open(listing=post(alice), respondent=bruno, body="Salut")
    insult = services.message_send(conversation=conversation, sender=alice, body="Insulte !")
    with pytest.raises(PermissionDenied):  # one's own message, or someone else's thread
        services.abuse_report_create(reporter=alice, message=insult, reason="?")
    report = services.abuse_report_create(reporter=bruno, message=insult, reason="Insultant")
    with django_capture_on_commit_callbacks(execute=True):
        services.message_hide(message=report.message, actor=moderator, reason="Propos insultants")
    page = client_dinan.login_as(bruno).get(conversation.get_absolute_url()).content.decode()
    assert "Insulte !" not in page and "hidden by a moderator" in page
    assert mail.outbox[-1].to == ["alice@example.org"]
    assert "Propos insultants" in mail.outbox[-1].body
    entry = AuditEntry.objects.get(action="community.aid_message_hide")
    assert entry.data["with_reason"] is True and "insultants" not in str(entry.data)


def test_moderators_withdraw_rights_for_a_period(
    alice, bruno, moderator, django_capture_on_commit_callbacks
):
    listing = post(alice)
    report = services.abuse_report_create(reporter=bruno, listing=listing, reason="Arnaque")
    with pytest.raises(PermissionDenied):
        services.resident_suspend(resident=alice, actor=bruno, days=30, reason="x")
    with django_capture_on_commit_callbacks(execute=True):
        services.resident_suspend(resident=alice, actor=moderator, days=30, reason="Arnaques")
    with pytest.raises(PermissionDenied, match="withdrawn"):
        post(alice)
    with pytest.raises(PermissionDenied):
        services.conversation_open(listing=post(bruno), respondent=alice, body="Bonjour")
    assert "Arnaques" in mail.outbox[-1].body
    entry = AuditEntry.objects.get(action="community.aid_resident_suspend")
    assert entry.data == {"days": 30, "with_reason": True}
    services.abuse_report_dismiss(report=report, actor=moderator)
    assert AuditEntry.objects.filter(action="community.aid_report_dismiss").count() == 1


def test_residents_and_other_staff_cannot_moderate(alice, bruno, agent, council_admin):
    listing = post(alice)
    for actor in (bruno, agent):
        with pytest.raises(PermissionDenied):
            services.listing_hide(listing=listing, actor=actor, reason="x")
    services.listing_hide(listing=listing, actor=council_admin, reason="Doublon")
    assert Listing.objects.get(pk=listing.pk).is_hidden
    assert AuditEntry.objects.filter(action="community.aid_listing_hide").count() == 1
