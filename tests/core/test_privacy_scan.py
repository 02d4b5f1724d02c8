"""A resident's data across every app: exported in one download, and gone after deletion.

The erasure test does not trust any app's list of fields: it scans every text and JSON column
of every table in the council's schema for the deleted person's email and phone number.
"""

import json

import pytest
from django.db import connection
from django.utils import timezone

from accounts.services import account_delete
from core.privacy import personal_data_export
from tests.factories import IssueReportFactory, UserFactory

EMAIL = "erase-me-4f7a@example.org"
PHONE = "+33611223344"


def _columns_holding(needle: str) -> list[str]:
    """ "table.column" for every column of the current schema whose text contains `needle`."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT table_name, column_name FROM information_schema.columns
               WHERE table_schema = current_schema()
                 AND data_type IN ('character varying', 'text', 'json', 'jsonb', 'character')"""
        )
        columns = cursor.fetchall()
        found = []
        for table, column in columns:
            cursor.execute(
                f'SELECT 1 FROM "{table}" WHERE "{column}"::text LIKE %s LIMIT 1',
                [f"%{needle}%"],
            )
            if cursor.fetchone():
                found.append(f"{table}.{column}")
    return found


@pytest.fixture
def rich_resident(in_dinan):
    """A resident who used every app through its services: the rows each app keeps."""
    from alerts.services import alert_send, inbound_message_record, subscription_save
    from civic.models import ReportFollower
    from community import services as community
    from core.audit import audit_record
    from tests.alerts.conftest import draft
    from tests.community.conftest import pdf_bytes, upload
    from tests.conftest import make_user

    resident = UserFactory(email=EMAIL, phone=PHONE, phone_confirmed_at=timezone.now())
    community.residence_declare(
        user=resident, address_line1="3 rue du Jerzual", postcode="22100", city="Dinan"
    )
    community.proof_submit(user=resident, upload=upload("bill.pdf", pdf_bytes()))
    report = IssueReportFactory(
        reporter=resident, contact_name=resident.full_name, contact_email=EMAIL, contact_phone=PHONE
    )
    ReportFollower.objects.create(report=report, user=resident)
    subscription_save(user=resident, whole_council=True, neighbourhoods=[])
    officer = make_user("officer-scan@dinan.example", "communications_officer")
    alert_send(alert=draft(officer), actor=officer)
    inbound_message_record(from_phone=PHONE, body="STOP")
    audit_record(actor=officer, action="alerts.test", target=resident)
    _mutual_aid(resident)
    return resident


def _mutual_aid(resident):
    """A listing, and a conversation where both sides quote the resident's contact details."""
    from community.models import CommunitySettings
    from community.mutual_aid import services as aid
    from community.mutual_aid.models import AidCategory

    CommunitySettings.load()
    CommunitySettings.objects.update(require_mutual_aid=False)
    neighbour = UserFactory(email="neighbour-scan@example.org")
    theirs = aid.listing_create(
        author=neighbour,
        kind="offer",
        category=AidCategory.objects.get(code="lending"),
        title="Perceuse",
        description="À prêter",
    )
    conversation = aid.conversation_open(
        listing=theirs, respondent=resident, body=f"Écrivez-moi : {EMAIL} ou {PHONE}"
    )
    aid.message_send(conversation=conversation, sender=neighbour, body=f"Noté, {EMAIL}")
    aid.listing_create(
        author=resident,
        kind="request",
        category=AidCategory.objects.get(code="errands"),
        title="Courses",
        description=f"Appelez le {PHONE}",
    )


def test_the_export_holds_the_resident_data_from_every_app(rich_resident):
    data = json.loads(json.dumps(personal_data_export(rich_resident), default=str))
    assert data["account"]["email"] == EMAIL
    for app in ("community", "civic", "alerts", "mutual_aid"):
        assert app in data, app


def test_after_deletion_no_column_of_the_council_holds_their_email_or_phone(rich_resident):
    assert _columns_holding(EMAIL)  # the scan finds what is there
    assert _columns_holding(PHONE)
    account_delete(user=rich_resident)
    assert _columns_holding(EMAIL) == []
    assert _columns_holding(PHONE) == []
