"""What street reporting exports and erases for a resident (registered in apps.py).

Reports stay after their author leaves (the council's record of the street, other followers),
without the person: `reporter` is set to NULL when the account row goes, and the eraser removes
every copy of their email and phone first."""

import re
from collections.abc import Iterable
from typing import Any

from django.apps import apps
from django.db import models
from django.db.models import Func, Q, Value
from django.db.models.functions import Cast

from accounts.models import User
from core.privacy import iso

from ..models import IssueReport, ReportFollower, ReportPhoto


def civic_export(user: User) -> dict[str, Any]:
    reports = (
        IssueReport.objects.filter(reporter=user)
        .select_related("category")
        .prefetch_related("events")
        .order_by("pk")
    )
    return {
        "reports": [
            {
                "id": r.pk,
                "url": r.get_absolute_url(),
                "category": r.category.code,
                "title": r.title,
                "description": r.description,
                "address": r.address,
                "latitude": r.latitude,
                "longitude": r.longitude,
                "answers": r.answers,
                "show_name": r.show_name,
                "status": r.status,
                "created_at": iso(r.created_at),
                "history": [
                    {
                        "event": e.kind,
                        "at": iso(e.created_at),
                        "to_status": e.to_status,
                        "note": e.public_note,
                    }
                    for e in r.events.all()
                    if e.actor_id == user.pk
                ],
            }
            for r in reports
        ],
        "photos": [
            {
                "report": p.report_id,
                "file": p.file.rsplit("/", 1)[-1],
                "url": p.url,
                "hidden": p.is_hidden,
                "uploaded_at": iso(p.created_at),
            }
            for p in ReportPhoto.objects.filter(uploaded_by=user).order_by("pk")
        ],
        "follows": [
            {"report": f.report_id, "since": iso(f.created_at)}
            for f in ReportFollower.objects.filter(user=user).order_by("pk")
        ],
    }


def civic_erase(user: User) -> None:
    """Before the account goes: their follows are deleted, the contact details copied onto
    reports (Open311 submissions under their email or phone) blanked, their name no longer
    shown, and any other mention of their email or phone in civic's tables removed."""
    contact = Q(reporter=user) | Q(contact_email__iexact=user.email)
    if user.phone:
        contact |= Q(contact_phone=user.phone)
    IssueReport.objects.filter(contact).update(
        contact_name="", contact_email="", contact_phone="", show_name=False
    )
    ReportFollower.objects.filter(Q(user=user) | Q(user=None, email__iexact=user.email)).delete()
    for needle in (user.email, user.phone):
        if needle:
            _scrub(needle)


def _civic_models() -> Iterable[type[models.Model]]:
    return apps.get_app_config("civic").get_models()


def _scrub(needle: str) -> None:
    """Remove `needle` (case-insensitively) from every text and JSON column of civic: an email
    typed into a description, a phone number in a staff note."""
    pattern = re.escape(needle)
    for model in _civic_models():
        for field in model._meta.concrete_fields:
            name = field.attname
            if isinstance(field, models.CharField | models.TextField):
                model._default_manager.filter(**{f"{name}__icontains": needle}).update(
                    **{
                        name: Func(
                            models.F(name),
                            Value(pattern),
                            Value(""),
                            Value("gi"),
                            function="regexp_replace",
                            output_field=field,
                        )
                    }
                )
            elif isinstance(field, models.JSONField):
                rows = model._default_manager.annotate(
                    _as_text=Cast(name, models.TextField())
                ).filter(_as_text__icontains=needle)
                for row in rows:
                    setattr(row, name, _without(getattr(row, name), needle))
                    row.save(update_fields=[name])


def _without(value: Any, needle: str) -> Any:
    """`value` (decoded JSON) with `needle` removed from every string in it."""
    if isinstance(value, str):
        return re.sub(re.escape(needle), "", value, flags=re.IGNORECASE)
    if isinstance(value, list):
        return [_without(v, needle) for v in value]
    if isinstance(value, dict):
        return {k: _without(v, needle) for k, v in value.items()}
    return value
