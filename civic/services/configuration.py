"""The council's set-up of street reporting: categories and their questions, teams, the map.
Council administrators only; every change is one row in the staff audit log."""

from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from accounts.models import User
from core.audit import audit_record

from ..models import Category, MapSettings, Question, Team
from ._common import require_manager

# The fields a council administrator edits (the forms are built from these lists).
CATEGORY_FIELDS = (
    "code",
    "name_fr",
    "name_en",
    "description_fr",
    "description_en",
    "group",
    "team",
    "response_days",
    "is_active",
    "keywords",
    "order",
)
QUESTION_FIELDS = (
    "code",
    "label_fr",
    "label_en",
    "help_fr",
    "help_en",
    "kind",
    "required",
    "choices",
    "order",
)
MAP_SETTINGS_FIELDS = ("latitude", "longitude", "zoom")


def _values(obj: models.Model, names: Sequence[str]) -> dict[str, Any]:
    """The fields of `obj` as the audit log keeps them (related objects by id)."""
    values = {}
    for name in names:
        value = getattr(obj, name)
        values[name] = value.pk if isinstance(value, models.Model) else value
    return values


def _assign(obj: models.Model, allowed: Sequence[str], fields: Mapping[str, Any]) -> None:
    for name, value in fields.items():
        if name not in allowed:
            raise TypeError(name)
        setattr(obj, name, value)


def _changes(
    before: Mapping[str, Any], after: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    changed = [name for name in after if before.get(name) != after[name]]
    return {n: before.get(n) for n in changed}, {n: after[n] for n in changed}


@transaction.atomic
def category_save(*, actor: User, category: Category | None = None, **fields: Any) -> Category:
    """Create a category, or update `category` with `fields` (names from CATEGORY_FIELDS)."""
    require_manager(actor)
    creating = category is None or category.pk is None
    category = category or Category()
    before = {} if creating else _values(Category.objects.get(pk=category.pk), CATEGORY_FIELDS)
    _assign(category, CATEGORY_FIELDS, fields)
    category.full_clean()
    category.save()
    after = _values(category, CATEGORY_FIELDS)
    if creating:
        audit_record(actor=actor, action="civic.category_create", target=category, after=after)
    else:
        old, new = _changes(before, after)
        if new:
            audit_record(
                actor=actor, action="civic.category_update", target=category, before=old, after=new
            )
    return category


@transaction.atomic
def category_delete(*, actor: User, category: Category) -> None:
    """Delete a category nobody has reported in yet; one with reports is deactivated instead
    (its reports keep their category)."""
    require_manager(actor)
    if category.reports.exists():
        raise ValidationError(
            _("This category has reports: deactivate it instead of deleting it."),
            code="has_reports",
        )
    audit_record(
        actor=actor,
        action="civic.category_delete",
        target=category,
        before=_values(category, CATEGORY_FIELDS),
    )
    category.delete()


@transaction.atomic
def question_save(
    *, actor: User, category: Category, question: Question | None = None, **fields: Any
) -> Question:
    """Add a question to `category`, or update `question` (names from QUESTION_FIELDS)."""
    require_manager(actor)
    creating = question is None or question.pk is None
    question = question or Question(category=category)
    before = {} if creating else _values(Question.objects.get(pk=question.pk), QUESTION_FIELDS)
    _assign(question, QUESTION_FIELDS, fields)
    if question.kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE) and not question.choices:
        raise ValidationError({"choices": _("A choice question needs its options.")})
    question.full_clean()
    question.save()
    after = _values(question, QUESTION_FIELDS)
    old, new = ({}, after) if creating else _changes(before, after)
    if new:
        audit_record(
            actor=actor,
            action="civic.question_create" if creating else "civic.question_update",
            target=question,
            before=old or None,
            after=new,
            data={"category": category.code},
        )
    return question


@transaction.atomic
def question_delete(*, actor: User, question: Question) -> None:
    require_manager(actor)
    audit_record(
        actor=actor,
        action="civic.question_delete",
        target=question,
        before=_values(question, QUESTION_FIELDS),
        data={"category": question.category.code},
    )
    question.delete()


@transaction.atomic
def team_save(*, actor: User, name: str, members: Sequence[User], team: Team | None = None) -> Team:
    require_manager(actor)
    creating = team is None or team.pk is None
    team = team or Team()
    before: dict[str, Any] = (
        {}
        if creating
        else {
            "name": Team.objects.get(pk=team.pk).name,
            "members": sorted(team.members.values_list("pk", flat=True)),
        }
    )
    team.name = name.strip()
    team.full_clean()
    team.save()
    team.members.set(members)
    after = {"name": team.name, "members": sorted(m.pk for m in members)}
    old, new = ({}, after) if creating else _changes(before, after)
    if new:
        audit_record(
            actor=actor,
            action="civic.team_create" if creating else "civic.team_update",
            target=team,
            before=old or None,
            after=new,
        )
    return team


@transaction.atomic
def map_settings_save(*, actor: User, latitude: float, longitude: float, zoom: int) -> MapSettings:
    require_manager(actor)
    current = MapSettings.objects.select_for_update().order_by("pk").first() or MapSettings()
    before = _values(current, MAP_SETTINGS_FIELDS) if current.pk else {}
    current.latitude, current.longitude, current.zoom = latitude, longitude, zoom
    current.full_clean()
    current.save()
    old, new = _changes(before, _values(current, MAP_SETTINGS_FIELDS))
    if new:
        audit_record(
            actor=actor, action="civic.map_settings_update", target=current, before=old, after=new
        )
    return current
