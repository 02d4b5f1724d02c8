"""A resident's own data: export (JSON) and erasure.

Every app registers what it holds about a person at `ready()`: an exporter returns a JSON-able
value for the resident's download; an eraser removes or anonymises personal data before the
account row is deleted. `accounts.services.account_delete` calls `personal_data_erase`, so every
way of deleting an account goes through the erasers (tests/core/test_privacy.py scans every
column of every model for the deleted person's email and phone).
"""

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.utils import timezone

if TYPE_CHECKING:  # core sits below accounts: the model is only named, never imported
    from accounts.models import User


Exporter = Callable[["User"], Any]
Eraser = Callable[["User"], None]
_EXPORTERS: dict[str, Exporter] = {}
_ERASERS: dict[str, Eraser] = {}


def register(name: str, *, exporter: Exporter | None = None, eraser: Eraser | None = None) -> None:
    if exporter is not None:
        _EXPORTERS[name] = exporter
    if eraser is not None:
        _ERASERS[name] = eraser


def personal_data_export(user: "User") -> dict:
    data: dict[str, Any] = {
        "exported_at": timezone.now().isoformat(),
        "council": getattr(getattr(connection, "tenant", None), "name", ""),
        "account": {
            "email": user.email,
            "full_name": user.full_name,
            "phone": user.phone,
            "phone_confirmed_at": iso(user.phone_confirmed_at),
            "language": user.language,
            "email_confirmed": user.email_confirmed,
            "date_joined": iso(user.date_joined),
            "last_login": iso(user.last_login),
        },
    }
    for name, exporter in sorted(_EXPORTERS.items()):
        data[name] = exporter(user)
    return data


def personal_data_erase(user: "User") -> None:
    for _name, eraser in sorted(_ERASERS.items()):
        eraser(user)


def iso(value) -> str | None:
    """A date or datetime in ISO 8601, None for None."""
    return value.isoformat() if value else None
