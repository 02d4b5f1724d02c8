"""Where report photos live.

A visible photo is in the council's default storage (MEDIA_ROOT/<schema>/civic/…), served as a
plain file by the council's host (nginx in production). Hiding a photo moves its files into a
private tenant-aware storage (PRIVATE_MEDIA_ROOT/<schema>/…, never under MEDIA_ROOT, never routed)
under fresh random names: the old public address answers 404 at once, and no public URL ever
names a hidden file. Staff see hidden photos through a view that checks their role.
"""

import os
import secrets

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, default_storage
from django.db import transaction
from django.utils.functional import cached_property
from django_tenants.files.storage import TenantFileSystemStorage


def private_media_root() -> str:
    return getattr(settings, "PRIVATE_MEDIA_ROOT", "") or (
        str(settings.MEDIA_ROOT).rstrip("/") + "-private"
    )


class PrivateTenantStorage(TenantFileSystemStorage):
    @cached_property
    def relative_media_root(self) -> str:
        return os.path.join(private_media_root(), "%s")

    def url(self, name):  # pragma: no cover - a private file has no public address
        raise ValueError("private files have no URL")


_private = PrivateTenantStorage()


def public_storage() -> Storage:
    return default_storage


def private_storage() -> Storage:
    return _private


def new_name(extension: str, *, thumbnail: bool = False) -> str:
    suffix = "-thumb" if thumbnail else ""
    return f"civic/photos/{secrets.token_urlsafe(18)}{suffix}.{extension}"


def move(name: str, *, source: Storage, target: Storage) -> str:
    """Copy a file to the other storage under a new random name; the original is deleted once
    the surrounding transaction commits (a rollback leaves the row pointing at a file that still
    exists)."""
    extension = name.rsplit(".", 1)[-1]
    with source.open(name, "rb") as handle:
        data = handle.read()
    moved = target.save(new_name(extension, thumbnail="-thumb" in name), ContentFile(data))
    transaction.on_commit(lambda: source.delete(name))
    return moved
