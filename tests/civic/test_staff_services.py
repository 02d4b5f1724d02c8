"""Every civic service that changes something on behalf of staff checks the actor's role itself
(not only the view in front of it), and leaves exactly one row in the staff audit log."""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.core.exceptions import PermissionDenied

from civic import services
from civic.models import Category, IssueReport, MapSettings, Question, Team
from core.models import AuditEntry

from .conftest import DINAN, png


@dataclass
class World:
    report: IssueReport
    other: IssueReport
    question: Question
    key: object
    admin: object
    moderator: object
    agent: object


@pytest.fixture
def world(resident, neighbour, pothole, council_admin, moderator, roads_agent):
    def report(user, title):
        return services.issue_report_create(
            reporter=user,
            category=pothole,
            title=title,
            description="A deep hole",
            latitude=DINAN[0],
            longitude=DINAN[1],
            answers={"depth": 4},
            photos=[png()],
        )

    key, _raw = services.api_key_create(name="City app", created_by=council_admin)
    return World(
        report=report(resident, "First"),
        other=report(neighbour, "Second"),
        question=pothole.questions.get(code="lane"),
        key=key,
        admin=council_admin,
        moderator=moderator,
        agent=roads_agent,
    )


# --- who may not -------------------------------------------------------------------------------

# (service, call as `actor`) for every staff service; the personas below are each refused.
STAFF_SERVICES: dict[str, Callable] = {
    "category_create": lambda w, actor: services.category_save(
        actor=actor, code="bins", name_fr="Poubelles"
    ),
    "category_update": lambda w, actor: services.category_save(
        actor=actor, category=w.report.category, response_days=1
    ),
    "category_delete": lambda w, actor: services.category_delete(
        actor=actor, category=Category.objects.create(code="empty", name_fr="Vide")
    ),
    "question_create": lambda w, actor: services.question_save(
        actor=actor, category=w.report.category, code="width", label_fr="Largeur"
    ),
    "question_delete": lambda w, actor: services.question_delete(actor=actor, question=w.question),
    "team_create": lambda w, actor: services.team_save(actor=actor, name="Parks", members=[]),
    "open311_key_create": lambda w, actor: services.api_key_create(name="App", created_by=actor),
    "open311_key_revoke": lambda w, actor: services.api_key_revoke(key=w.key, actor=actor),
    "map_settings": lambda w, actor: services.map_settings_save(
        actor=actor, latitude=48.45, longitude=-2.05, zoom=14
    ),
    "status_change": lambda w, actor: services.report_status_change(
        report=w.report, actor=actor, status="acknowledged"
    ),
    "category_change": lambda w, actor: services.report_category_change(
        report=w.report, actor=actor, category=Category.objects.get(code="streetlight")
    ),
    "note_add": lambda w, actor: services.report_note_add(
        report=w.report, actor=actor, internal_note="Seen"
    ),
    "assign": lambda w, actor: services.report_assign(report=w.report, actor=actor, assignee=None),
    "merge": lambda w, actor: services.report_mark_duplicate(
        report=w.other, original=w.report, actor=actor
    ),
    "bulk_change": lambda w, actor: services.reports_bulk_status_change(
        reports=[w.report, w.other], actor=actor, status="acknowledged"
    ),
    "photo_hide": lambda w, actor: services.report_photo_hide(
        photo=w.report.photos.get(), actor=actor, reason="A face"
    ),
    "text_hide": lambda w, actor: services.report_text_hide(
        report=w.report, actor=actor, reason="Rude"
    ),
}
MANAGER_ONLY = {
    "category_create",
    "category_update",
    "category_delete",
    "question_create",
    "question_delete",
    "team_create",
    "open311_key_create",
    "open311_key_revoke",
    "map_settings",
}
MODERATOR_ONLY = {"photo_hide", "text_hide"}


def _wrong_roles(service: str) -> list[str]:
    roles = ["resident", "elected_official", "communications_officer"]
    if service != "bulk_change":  # an agent's bulk change skips other teams' reports (below)
        roles.append("lighting_agent")
    if service in MANAGER_ONLY | MODERATOR_ONLY:
        roles.append("roads_agent")  # handles the report's category, still may not do this
    if service in MANAGER_ONLY:
        roles.append("moderator")
    return roles


@pytest.mark.parametrize(
    ("service", "persona"),
    [(service, persona) for service in STAFF_SERVICES for persona in _wrong_roles(service)],
)
def test_staff_service_refuses_the_wrong_role_when_called_directly(
    world, streetlight, request, service, persona
):
    actor = request.getfixturevalue(persona)
    audit_rows = AuditEntry.objects.count()
    with pytest.raises(PermissionDenied):
        STAFF_SERVICES[service](world, actor)
    assert AuditEntry.objects.count() == audit_rows


def test_moderation_undo_refuses_an_agent(world, roads_agent):
    photo = world.report.photos.get()
    services.report_photo_hide(photo=photo, actor=world.moderator, reason="A face")
    services.report_text_hide(report=world.report, actor=world.moderator, reason="Rude")
    with pytest.raises(PermissionDenied):
        services.report_photo_unhide(photo=photo, actor=roads_agent)
    with pytest.raises(PermissionDenied):
        services.report_text_unhide(report=world.report, actor=roads_agent)
    photo.refresh_from_db()
    world.report.refresh_from_db()
    assert photo.is_hidden and world.report.text_hidden


def test_bulk_change_by_an_agent_changes_only_their_categories(world, streetlight, lighting_agent):
    changed, errors = services.reports_bulk_status_change(
        reports=[world.report], actor=lighting_agent, status="acknowledged"
    )
    assert changed == [] and set(errors) == {world.report.pk}
    world.report.refresh_from_db()
    assert world.report.status == "submitted"


# --- one audit row per action ------------------------------------------------------------------


def _photo(w):
    return w.report.photos.get()


# (action, call, expected target) run by an actor allowed to; each leaves exactly one row.
AUDITED: list[tuple[str, Callable, Callable]] = [
    (
        "civic.category_create",
        lambda w: services.category_save(actor=w.admin, code="bins", name_fr="Poubelles"),
        lambda w, result: result,
    ),
    (
        "civic.category_update",
        lambda w: services.category_save(actor=w.admin, category=w.report.category, order=3),
        lambda w, result: w.report.category,
    ),
    (
        "civic.question_create",
        lambda w: services.question_save(
            actor=w.admin, category=w.report.category, code="width", label_fr="Largeur"
        ),
        lambda w, result: result,
    ),
    (
        "civic.question_update",
        lambda w: services.question_save(
            actor=w.admin, category=w.report.category, question=w.question, required=True
        ),
        lambda w, result: w.question,
    ),
    (
        "civic.team_create",
        lambda w: services.team_save(actor=w.admin, name="Parks", members=[w.agent]),
        lambda w, result: result,
    ),
    (
        "civic.team_update",
        lambda w: services.team_save(
            actor=w.admin, team=Team.objects.get(name="Roads"), name="Roads", members=[]
        ),
        lambda w, result: Team.objects.get(name="Roads"),
    ),
    (
        "civic.open311_key_create",
        lambda w: services.api_key_create(name="Other app", created_by=w.admin)[0],
        lambda w, result: result,
    ),
    (
        "civic.open311_key_revoke",
        lambda w: services.api_key_revoke(key=w.key, actor=w.admin),
        lambda w, result: w.key,
    ),
    (
        "civic.map_settings_update",
        lambda w: services.map_settings_save(actor=w.admin, latitude=48.4, longitude=-2.1, zoom=15),
        lambda w, result: MapSettings.current(),
    ),
    (
        "civic.report_status_change",
        lambda w: services.report_status_change(
            report=w.report, actor=w.agent, status="in_progress"
        ),
        lambda w, result: w.report,
    ),
    (
        "civic.report_category_change",
        lambda w: services.report_category_change(
            report=w.report, actor=w.moderator, category=Category.objects.get(code="streetlight")
        ),
        lambda w, result: w.report,
    ),
    (
        "civic.report_note_add",
        lambda w: services.report_note_add(report=w.report, actor=w.agent, public_note="Soon"),
        lambda w, result: w.report,
    ),
    (
        "civic.report_assign",
        lambda w: services.report_assign(report=w.report, actor=w.agent, assignee=w.agent),
        lambda w, result: w.report,
    ),
    (
        "civic.report_merge",
        lambda w: services.report_mark_duplicate(
            report=w.other, original=w.report, actor=w.moderator
        ),
        lambda w, result: w.other,
    ),
    (
        "civic.photo_hide",
        lambda w: services.report_photo_hide(photo=_photo(w), actor=w.moderator, reason="Face"),
        lambda w, result: _photo(w),
    ),
    (
        "civic.report_text_hide",
        lambda w: services.report_text_hide(report=w.report, actor=w.moderator, reason="Rude"),
        lambda w, result: w.report,
    ),
]


@pytest.mark.parametrize(("action", "call", "target"), AUDITED, ids=[a for a, *_ in AUDITED])
def test_staff_action_leaves_exactly_one_audit_row(world, streetlight, action, call, target):
    before = set(AuditEntry.objects.values_list("pk", flat=True))
    result = call(world)
    (entry,) = AuditEntry.objects.exclude(pk__in=before)
    expected = target(world, result)
    assert entry.action == action
    assert (entry.target_type, entry.target_id) == (expected._meta.label_lower, str(expected.pk))
    assert entry.actor_id is not None
    for person in (world.report.reporter, world.other.reporter, world.agent):
        assert person.email not in str([entry.before, entry.after, entry.data, entry.target_label])


def test_deletes_and_undos_leave_one_audit_row_each(world):
    category = Category.objects.create(code="empty", name_fr="Vide")
    photo = world.report.photos.get()
    services.report_photo_hide(photo=photo, actor=world.moderator, reason="Face")
    services.report_text_hide(report=world.report, actor=world.moderator, reason="Rude")
    before = set(AuditEntry.objects.values_list("pk", flat=True))
    question_pk, category_pk = world.question.pk, category.pk
    services.question_delete(actor=world.admin, question=world.question)
    services.category_delete(actor=world.admin, category=category)
    services.report_photo_unhide(photo=photo, actor=world.moderator)
    services.report_text_unhide(report=world.report, actor=world.moderator)
    entries = AuditEntry.objects.exclude(pk__in=before).order_by("pk")
    assert [(e.action, e.target_id) for e in entries] == [
        ("civic.question_delete", str(question_pk)),
        ("civic.category_delete", str(category_pk)),
        ("civic.photo_show", str(photo.pk)),
        ("civic.report_text_show", str(world.report.pk)),
    ]


def test_bulk_change_leaves_one_audit_row_per_report_changed(world):
    before = set(AuditEntry.objects.values_list("pk", flat=True))
    services.report_status_change(report=world.other, actor=world.agent, status="fixed")
    changed, errors = services.reports_bulk_status_change(
        reports=[world.report, world.other], actor=world.agent, status="acknowledged"
    )
    # `other` is fixed: it cannot become acknowledged, and leaves no second row.
    assert changed == [world.report.pk] and set(errors) == {world.other.pk}
    rows = AuditEntry.objects.exclude(pk__in=before).order_by("pk")
    assert [(e.action, e.target_id, e.after) for e in rows] == [
        ("civic.report_status_change", str(world.other.pk), {"status": "fixed"}),
        ("civic.report_status_change", str(world.report.pk), {"status": "acknowledged"}),
    ]


def test_a_refused_change_leaves_no_audit_row(world):
    from django.core.exceptions import ValidationError

    before = AuditEntry.objects.count()
    with pytest.raises(ValidationError):
        services.report_status_change(report=world.report, actor=world.agent, status="submitted")
    assert AuditEntry.objects.count() == before


def test_a_category_with_reports_cannot_be_deleted(world):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.category_delete(actor=world.admin, category=world.report.category)
    assert Category.objects.filter(pk=world.report.category_id).exists()
