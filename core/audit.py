"""Recording staff actions in the audit log (STYLE.md, "Shared core").

    audit_record(actor=actor, action="verification.approve", target=request,
                 data={"method": "proof"})

Call it inside the service, in its transaction, after the role check. Actions are
"<app>.<noun>_<verb>" strings ("civic.category_update", "accounts.staff_roles_set"); the audit
page filters on the app and on the actions that occur. The client address comes from the
request being served (`core.middleware.AuditContextMiddleware`), or None for commands and tasks.
"""

import contextvars
from collections.abc import Mapping
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from .models import AuditEntry

_client_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar("audit_ip", default=None)


def set_client_ip(ip: str | None) -> contextvars.Token:
    return _client_ip.set(ip or None)


def reset_client_ip(token: contextvars.Token) -> None:
    _client_ip.reset(token)


def _jsonable(value: Any) -> Any:
    if value is None:
        return None
    import json

    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, default=str))


def audit_record(
    *,
    actor: Any,
    action: str,
    target: models.Model | None = None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    data: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """Append one row for `actor` doing `action` on `target`. `before`/`after` hold the fields
    that changed; `data` anything else worth knowing. Never put an email, a phone number or free
    text staff typed about a resident (reasons, notes) in them: the log outlives the people it
    mentions and cannot be erased, so record *that* a reason was given, not the reason."""
    name = ""
    actor_id = None
    if actor is not None and getattr(actor, "is_authenticated", False):
        actor_id = actor.pk
        name = (getattr(actor, "full_name", "") or f"#{actor.pk}")[:150]
    target_type = target_id = label = ""
    if target is not None:
        target_type = target._meta.label_lower
        target_id = str(target.pk)
        label = _target_label(target)[:200]
    return AuditEntry.objects.create(
        actor_id=actor_id,
        actor_name=name,
        action=action,
        target_type=target_type,
        target_id=target_id,
        target_label=label,
        before=_jsonable(dict(before)) if before is not None else None,
        after=_jsonable(dict(after)) if after is not None else None,
        data=_jsonable(dict(data or {})),
        ip=_client_ip.get(),
    )


def _target_label(target: models.Model) -> str:
    """A label that identifies the target without personal contact data: users are named by
    their full name (never their email)."""
    if target._meta.label_lower == "accounts.user":
        return getattr(target, "full_name", "") or f"#{target.pk}"
    return str(target)
