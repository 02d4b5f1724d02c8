"""The API keys of Open311 client apps. Only a key's hash is stored; the raw key is shown once."""

import hashlib
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.audit import audit_record

from ..models import Open311ApiKey
from ._common import require_manager


def _hash_key(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def api_key_create(*, name: str, created_by: User | None = None) -> tuple[Open311ApiKey, str]:
    """A new Open311 key; the raw key is returned once and only its hash is kept. `created_by`
    None is the management command (an operator with shell access)."""
    if created_by is not None:
        require_manager(created_by)
    if not name.strip():
        raise ValidationError({"name": _("Name the application.")})
    raw = secrets.token_urlsafe(32)
    key = Open311ApiKey.objects.create(
        name=name.strip()[:120], prefix=raw[:8], key_hash=_hash_key(raw), created_by=created_by
    )
    audit_record(
        actor=created_by,
        action="civic.open311_key_create",
        target=key,
        after={"name": key.name, "prefix": key.prefix},
        data={"command": created_by is None},
    )
    return key, raw


@transaction.atomic
def api_key_revoke(*, key: Open311ApiKey, actor: User) -> Open311ApiKey:
    require_manager(actor)
    key = Open311ApiKey.objects.select_for_update().get(pk=key.pk)
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        audit_record(
            actor=actor,
            action="civic.open311_key_revoke",
            target=key,
            before={"revoked_at": None},
            after={"revoked_at": key.revoked_at},
        )
    return key


def api_key_check(raw: str) -> Open311ApiKey | None:
    """The active key matching `raw`, or None."""
    if not raw:
        return None
    key = Open311ApiKey.objects.filter(key_hash=_hash_key(raw), revoked_at=None).first()
    if key is not None:
        Open311ApiKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now())
    return key
