"""Every staff service checks the actor's role itself (not only the view in front of it), nobody
decides on their own verification, and each staff action leaves exactly one audit row."""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.core.exceptions import PermissionDenied

from community import selectors, services
from community.models import (
    CommunitySettings,
    Neighbourhood,
    PostcardBatch,
    RequestStatus,
    Status,
    VerificationRequest,
)
from core.models import AuditEntry
from tests.conftest import make_user

from .conftest import declare, pdf_bytes, residence, upload, verified


@dataclass
class Action:
    """A staff action ready to run: `run(actor)` calls the service, `target` is what it acts on."""

    run: Callable
    target: object


def _proof_pending(in_dinan) -> Action:
    person = make_user("proof@example.org")
    declare(person)
    request = services.proof_submit(user=person, upload=upload("b.pdf", pdf_bytes()))
    return Action(
        lambda actor: services.verification_request_approve(acting=actor, request=request), request
    )


def _postcard_to_reject(in_dinan) -> Action:
    person = make_user("card@example.org")
    declare(person)
    request = services.postcard_request(user=person)
    return Action(
        lambda actor: services.verification_request_reject(
            acting=actor, request=request, reason="No such street."
        ),
        request,
    )


def _in_person(in_dinan) -> Action:
    person = make_user("counter@example.org")
    declare(person)
    return Action(
        lambda actor: services.resident_verify_in_person(acting=actor, resident=person), person
    )


def _revoke(in_dinan) -> Action:
    person = verified("verified@example.org")
    return Action(
        lambda actor: services.verification_revoke(
            acting=actor, resident=person, reason="Two accounts."
        ),
        person,
    )


def _waiting_postcards() -> None:
    for i in range(2):
        person = make_user(f"postcard{i}@example.org")
        declare(person)
        services.postcard_request(user=person)


def _batch_create(in_dinan) -> Action:
    _waiting_postcards()
    action = Action(lambda actor: services.postcard_batch_create(acting=actor), None)
    return action


def _batch(printed: bool) -> PostcardBatch:
    _waiting_postcards()
    admin = make_user("batcher@dinan.example", "council_admin")
    batch = services.postcard_batch_create(acting=admin)
    if printed:
        services.postcard_batch_issue_codes(acting=admin, batch=batch)
    return batch


def _batch_issue_codes(in_dinan) -> Action:
    batch = _batch(printed=False)
    return Action(
        lambda actor: services.postcard_batch_issue_codes(acting=actor, batch=batch), batch
    )


def _batch_mark_posted(in_dinan) -> Action:
    batch = _batch(printed=True)
    return Action(
        lambda actor: services.postcard_batch_mark_posted(acting=actor, batch=batch), batch
    )


def _neighbourhood_create(in_dinan) -> Action:
    return Action(lambda actor: services.neighbourhood_create(acting=actor, name="Le Port"), None)


def _neighbourhood_update(in_dinan) -> Action:
    port = Neighbourhood.objects.create(name="Port")
    return Action(
        lambda actor: services.neighbourhood_update(acting=actor, neighbourhood=port, name="Quai"),
        port,
    )


def _neighbourhood_delete(in_dinan) -> Action:
    port = Neighbourhood.objects.create(name="Port")
    return Action(
        lambda actor: services.neighbourhood_delete(acting=actor, neighbourhood=port), port
    )


def _settings_update(in_dinan) -> Action:
    row = CommunitySettings.load()
    return Action(
        lambda actor: services.community_settings_update(acting=actor, vouches_required=4), row
    )


VERIFIER_ACTIONS = {
    "community.verification_request_approve": _proof_pending,
    "community.verification_request_reject": _postcard_to_reject,
    "community.resident_verify_in_person": _in_person,
    "community.verification_revoke": _revoke,
    "community.postcard_batch_create": _batch_create,
    "community.postcard_batch_issue_codes": _batch_issue_codes,
    "community.postcard_batch_mark_posted": _batch_mark_posted,
}
ADMIN_ACTIONS = {
    "community.neighbourhood_create": _neighbourhood_create,
    "community.neighbourhood_update": _neighbourhood_update,
    "community.neighbourhood_delete": _neighbourhood_delete,
    "community.settings_update": _settings_update,
}
ALL_ACTIONS = {**VERIFIER_ACTIONS, **ADMIN_ACTIONS}


def _state() -> tuple:
    """Everything the actions above could change."""
    return (
        sorted(VerificationRequest.objects.values_list("pk", "status", "batch_id", "code_hash")),
        sorted(selectors.residents_search().values_list("pk", "status")),
        sorted(PostcardBatch.objects.values_list("pk", "printed_at", "posted_at")),
        sorted(Neighbourhood.objects.values_list("pk", "name")),
        CommunitySettings.load().vouches_required,
        AuditEntry.objects.count(),
    )


WRONG_ROLES = [
    (action, persona)
    for action in VERIFIER_ACTIONS
    for persona in ("resident", "elected_official", "moderator", "communications_officer")
] + [
    (action, persona)
    for action in ADMIN_ACTIONS
    for persona in ("resident", "elected_official", "agent")
]


@pytest.mark.parametrize(("action", "persona"), WRONG_ROLES)
def test_staff_services_refuse_the_wrong_role(action, persona, request, in_dinan):
    prepared = ALL_ACTIONS[action](in_dinan)
    actor = request.getfixturevalue(persona)
    before = _state()
    with pytest.raises(PermissionDenied):
        prepared.run(actor)
    assert _state() == before


def test_a_deactivated_verifier_is_refused(agent, in_dinan):
    prepared = _in_person(in_dinan)
    agent.is_active = False
    agent.save(update_fields=["is_active"])
    agent.__dict__.pop("roles", None)
    with pytest.raises(PermissionDenied):
        prepared.run(agent)


@pytest.mark.parametrize("action", sorted(ALL_ACTIONS))
def test_each_staff_action_leaves_exactly_one_audit_row(action, council_admin, in_dinan):
    prepared = ALL_ACTIONS[action](in_dinan)
    known = prepared.target
    expected = (known._meta.label_lower, str(known.pk)) if known is not None else None
    before = set(AuditEntry.objects.values_list("pk", flat=True))
    result = prepared.run(council_admin)
    [entry] = AuditEntry.objects.exclude(pk__in=before)
    if expected is None:  # created by the action
        expected = (result._meta.label_lower, str(result.pk))
    assert entry.action == action
    assert entry.actor_id == council_admin.pk
    assert (entry.target_type, entry.target_id) == expected


@pytest.mark.parametrize("action", sorted(VERIFIER_ACTIONS))
def test_agents_may_decide_on_verifications_and_postcards(action, agent, in_dinan):
    VERIFIER_ACTIONS[action](in_dinan).run(agent)
    assert AuditEntry.objects.filter(action=action, actor_id=agent.pk).count() == 1


# --- nobody decides on their own verification --------------------------------------------------


@pytest.fixture
def agent_with_proof(agent):
    declare(agent)
    return services.proof_submit(user=agent, upload=upload("mine.pdf", pdf_bytes()))


def test_staff_cannot_approve_their_own_proof(agent_with_proof, agent):
    with pytest.raises(PermissionDenied):
        services.verification_request_approve(acting=agent, request=agent_with_proof)
    agent_with_proof.refresh_from_db()
    assert agent_with_proof.status == RequestStatus.PENDING


def test_staff_cannot_reject_their_own_request(agent_with_proof, agent):
    with pytest.raises(PermissionDenied):
        services.verification_request_reject(acting=agent, request=agent_with_proof, reason="x")


def test_staff_cannot_verify_themselves_in_person(council_admin):
    declare(council_admin)
    with pytest.raises(PermissionDenied):
        services.resident_verify_in_person(acting=council_admin, resident=council_admin)
    assert residence(council_admin).status == Status.UNVERIFIED


def test_staff_cannot_revoke_their_own_verification(agent, council_admin):
    declare(agent)
    services.resident_verify_in_person(acting=council_admin, resident=agent)
    with pytest.raises(PermissionDenied):
        services.verification_revoke(acting=agent, resident=agent, reason="x")
    assert residence(agent).status == Status.VERIFIED


def test_the_staff_page_explains_a_refused_self_decision(agent_with_proof, agent, client_dinan):
    client = client_dinan.login_as(agent)
    response = client.post(
        f"/staff/community/verification/{agent_with_proof.pk}/approve/", follow=True
    )
    assert "You cannot decide on your own verification." in response.content.decode()


def test_the_api_refuses_a_self_decision_with_403(agent_with_proof, agent, client_dinan):
    from rest_framework.authtoken.models import Token

    token, _ = Token.objects.get_or_create(user=agent)
    response = client_dinan.post(
        f"/api/v1/community/staff/verification-requests/{agent_with_proof.pk}/approve/",
        HTTP_AUTHORIZATION=f"Token {token.key}",
    )
    assert response.status_code == 403
    assert response.json() == {"detail": "You cannot decide on your own verification."}


def test_audit_rows_name_residents_without_their_email(council_admin, in_dinan):
    nameless = make_user("no.name@example.org", full_name="")
    declare(nameless)
    request = services.postcard_request(user=nameless)
    services.verification_request_reject(acting=council_admin, request=request, reason="No.")
    entry = AuditEntry.objects.get(action="community.verification_request_reject")
    assert "no.name@example.org" not in str(entry.__dict__)
    assert entry.target_label == f"Postcard code — #{nameless.pk} (Rejected)"
