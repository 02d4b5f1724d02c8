"""Helpers for the community tests: residents with addresses, verified neighbours, files."""

import io
import itertools

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from community import services
from community.models import Method, Residence
from tests.conftest import make_user

_numbers = itertools.count(1)


def declare(user, line1: str | None = None, **fields) -> Residence:
    fields.setdefault("postcode", "22100")
    fields.setdefault("city", "Dinan")
    return services.residence_declare(
        user=user, address_line1=line1 or f"{next(_numbers)} rue de la Poissonnerie", **fields
    )


def verified(email: str, line1: str | None = None, **fields):
    """A resident whose address staff verified in person."""
    from accounts.models import User

    user = make_user(email)
    declare(user, line1, **fields)
    staff = User.objects.filter(email="first-admin@dinan.example").first() or make_user(
        "verifier@dinan.example", "council_admin"
    )
    services.resident_verify_in_person(acting=staff, resident=user)
    user.refresh_from_db()
    return user


def png_bytes(size=(40, 30), exif=False) -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", size, (200, 30, 30))
    if exif:
        data = Image.Exif()
        data[0x010F] = "SpyCam"  # Make
        image.save(out, "JPEG", exif=data.tobytes())
    else:
        image.save(out, "PNG")
    return out.getvalue()


def pdf_bytes() -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]"
        b"/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )


def upload(name: str, content: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture
def pending_resident(resident):
    declare(resident, "3 rue du Jerzual")
    return resident


@pytest.fixture
def staff(council_admin):
    return council_admin


@pytest.fixture
def neighbours(in_dinan):
    """Three verified residents of three different households."""
    return [verified(f"neighbour{i}@example.org", f"{10 + i} rue de l'Horloge") for i in range(3)]


__all__ = ["Method", "declare", "pdf_bytes", "png_bytes", "upload", "verified"]


def residence(user) -> Residence:
    """The resident's residence as stored now (user.residence may be a stale cached copy)."""
    return Residence.objects.get(user=user)
