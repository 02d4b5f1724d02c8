"""Issue 15: every API endpoint that names an object, called at Dinan's host by Dinan's council
admin with the id of one of Saint-Malo's objects, answers 404: never its data, never a change.
The endpoints come from the OpenAPI schema, so a new one is probed without editing this test."""

import json
import re

import pytest
from django.db import connection
from django_tenants.utils import tenant_context
from rest_framework.authtoken.models import Token

from accounts.models import User
from alerts.models import Alert
from civic.consultations.models import Consultation
from civic.models import Category, IssueReport
from community.group_buys.models import Commitment, GroupBuy, Partner
from community.models import VerificationRequest
from community.mutual_aid.models import Conversation, Listing, Message
from tests.conftest import CouncilClient, make_user

# Enough for any of the API's request bodies to pass validation, so that only the lookup can
# refuse (unknown fields are ignored by the serializers).
BODY = {
    "reason": "probe",
    "status": "in_progress",
    "public_note": "",
    "assignee": None,
    "headline": "Probe",
    "sms_body": "Probe",
    "whole_council": True,
    "quantity": "1",
}
SECRET = "saint-malo-only-text"


def _foreign_objects(saint_malo) -> dict[str, object]:
    """One object of each kind the API names, at Saint-Malo, with an id unused at Dinan."""
    from alerts.services import alert_create
    from civic import services as civic
    from community import services as community
    from community.group_buys import services as group_buys
    from community.group_buys.models import PartnerCategory
    from community.mutual_aid import services as mutual_aid
    from community.mutual_aid.models import AidCategory
    from tests.civic.consultations.conftest import make_consultation
    from tests.community.group_buys.conftest import buy, households

    with tenant_context(saint_malo):
        admin = make_user("probe-admin@saint-malo.example", "council_admin")
        category = Category.objects.create(
            code="sm-only-category", name_en=SECRET, name_fr=SECRET, response_days=5
        )
        resident = make_user("probe-resident@example.org")
        report = civic.issue_report_create(
            reporter=resident,
            category=category,
            title=SECRET,
            description=SECRET,
            address="1 quai Saint-Louis",
        )
        alert = alert_create(
            author=admin, fields={"headline": SECRET, "sms_body": SECRET, "whole_council": True}
        )
        community.residence_declare(
            user=resident, address_line1="1 quai Saint-Louis", postcode="35400", city="Saint-Malo"
        )
        request = community.postcard_request(user=resident)
        consultation = make_consultation(
            admin, title=SECRET, eligibility="signed_in", results_visibility="live"
        )
        community.community_settings_update(acting=admin, require_mutual_aid=False)
        listing = mutual_aid.listing_create(
            author=resident,
            kind="offer",
            category=AidCategory.objects.get(code="diy"),
            title=SECRET,
            description=SECRET,
        )
        conversation = mutual_aid.conversation_open(
            listing=listing, respondent=make_user("probe-helper@example.org"), body=SECRET
        )
        message = conversation.messages.get()
        group_buy = buy(admin, product=SECRET, description=SECRET)
        (householder,) = households(1, start=90)
        group_buys.commitment_set(user=householder, group_buy=group_buy, quantity="1")
        commitment = Commitment.objects.get(group_buy=group_buy)
        partner = group_buys.partner_save(
            acting=admin, name=SECRET, category=PartnerCategory.values[0], description=SECRET
        )
    return {
        "listings": listing,
        "conversations": conversation,
        "messages": message,
        "group-buys": group_buy,
        "partners": partner,
        "commitments": commitment,
        "consultations": consultation,
        "alerts": alert,
        "categories": category,
        "reports": report,
        "triage": report,
        "residents": resident,
        "verification-requests": request,
    }


def _ids_unused_at_dinan(objects) -> bool:
    models = {
        Alert: "pk",
        IssueReport: "pk",
        VerificationRequest: "pk",
        User: "pk",
        Consultation: "pk",
        Listing: "pk",
        Conversation: "pk",
        Message: "pk",
        GroupBuy: "pk",
        Partner: "pk",
        Commitment: "pk",
    }
    for obj in objects.values():
        if isinstance(obj, Category):
            if Category.objects.filter(code=obj.code).exists():
                return False
        elif type(obj) in models and type(obj).objects.filter(pk=obj.pk).exists():
            return False
    return True


def _operations(schema: dict):
    for path, operations in schema["paths"].items():
        if "{" not in path:
            continue
        for method in operations:
            if method in ("get", "post", "put", "patch", "delete"):
                yield method, path


def _object_for(path: str, objects):
    for segment in reversed(path.split("/")):
        if segment in objects:
            return objects[segment]
    raise AssertionError(f"the probe does not know which object {path} names")


def _fill(path: str, obj) -> str:
    value = obj.code if isinstance(obj, Category) else obj.pk
    return re.sub(r"\{[^}]+\}", str(value), path)


@pytest.fixture
def admin_token(in_dinan):
    admin = make_user("probe-admin@dinan.example", "council_admin")
    return Token.objects.create(user=admin).key


def test_ids_of_another_council_answer_404_on_every_endpoint(dinan, saint_malo, admin_token):
    objects = _foreign_objects(saint_malo)
    connection.set_tenant(dinan)
    assert _ids_unused_at_dinan(objects), "an id collides: the probe would test nothing"
    client = CouncilClient(dinan)
    schema = json.loads(client.get("/api/schema/", {"format": "json"}).content)
    probed, leaks = 0, []
    for method, path in _operations(schema):
        url = _fill(path, _object_for(path, objects))
        auth = {"HTTP_AUTHORIZATION": f"Token {admin_token}"}
        if method in ("get", "delete"):
            response = getattr(client, method)(url, **auth)
        else:
            body = json.dumps({**BODY, "original": objects["reports"].pk})
            response = getattr(client, method)(url, body, content_type="application/json", **auth)
        probed += 1
        if response.status_code != 404 or SECRET in response.content.decode():
            leaks.append(f"{method.upper()} {url} -> {response.status_code}")
    assert probed >= 15
    assert not leaks, "\n".join(leaks)
    with tenant_context(saint_malo):
        report = IssueReport.objects.get(pk=objects["reports"].pk)
        assert report.status == "submitted" and report.assignee_id is None
        assert Alert.objects.get(pk=objects["alerts"].pk).state == "draft"
