"""Private files: proofs of address. They live under PRIVATE_MEDIA_ROOT/<schema>/, outside
MEDIA_ROOT, so no public media URL can ever reach them; only the staff document view reads them.
"""

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import connection


class PrivateTenantStorage(FileSystemStorage):
    """FileSystemStorage rooted at PRIVATE_MEDIA_ROOT/<current schema>/, with no URL."""

    def __init__(self) -> None:
        super().__init__(base_url=None)

    @property
    def base_location(self) -> str:
        schema: str = getattr(connection, "schema_name", "public")
        return os.path.join(settings.PRIVATE_MEDIA_ROOT, schema)

    @property
    def location(self) -> str:
        return os.path.abspath(self.base_location)

    def url(self, name: str | None) -> str:
        raise ValueError("Private files have no URL; use the staff document view.")

    def deconstruct(self):
        # Migrations refer to the callable below, not to a path that differs per machine.
        return ("community.storage.PrivateTenantStorage", (), {})


_storage = PrivateTenantStorage()


def private_document_storage() -> PrivateTenantStorage:
    return _storage
