"""The council's settings page: the logo goes through the image pipeline, the phone region is
set here, and every change is one audit row."""

import io
import struct
import zlib

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from accounts import services
from core.models import AuditEntry
from tenants.models import Council

FORM = {
    "name": "Dinan",
    "primary_colour": "#1d4ed8",
    "default_language": "fr",
    "languages": ["fr", "en"],
    "timezone": "Europe/Paris",
    "phone_region": "FR",
}


def _file(name: str, content: bytes) -> io.BytesIO:
    handle = io.BytesIO(content)
    handle.name = name
    return handle


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_header(width: int, height: int) -> bytes:
    """A PNG that announces width by height pixels and holds none: decoding it would allocate
    what the header says."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IEND", b"")


def jpeg_with_exif() -> bytes:
    out = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # Make
    exif[0x0110] = "Model-GPS-48.45N"  # Model
    Image.new("RGB", (120, 80), (10, 120, 200)).save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def _post(client, **extra):
    return client.post("/staff/settings/", {**FORM, **extra})


@pytest.mark.parametrize(
    "content",
    [
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect/></svg>',
        b"<!doctype html><html><script>alert(document.cookie)</script></html>",
    ],
    ids=["svg", "html"],
)
def test_a_logo_that_is_not_an_image_is_refused(client_dinan, council_admin, dinan, content):
    response = _post(client_dinan.login_as(council_admin), logo=_file("logo.png", content))
    assert response.status_code == 400
    assert "This file is not an accepted image (JPG, PNG)" in response.content.decode()
    dinan.refresh_from_db()
    assert not dinan.logo


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_a_decompression_bomb_is_refused_from_its_header(client_dinan, council_admin, dinan):
    bomb = png_header(8000, 6000)  # 48 million pixels announced in 57 bytes
    response = _post(client_dinan.login_as(council_admin), logo=_file("logo.png", bomb))
    assert response.status_code == 400
    assert "This image is too large (8000 by 6000 pixels)." in response.content.decode()
    dinan.refresh_from_db()
    assert not dinan.logo


def test_the_stored_logo_is_the_re_encoded_one_without_exif(client_dinan, council_admin, dinan):
    original = jpeg_with_exif()
    assert b"SpyCam" in original
    response = _post(client_dinan.login_as(council_admin), logo=_file("photo.jpg", original))
    assert response.status_code == 302
    dinan.refresh_from_db()
    try:
        stored = dinan.logo.read()
        assert stored != original and b"SpyCam" not in stored and b"GPS" not in stored
        with Image.open(io.BytesIO(stored)) as image:
            assert image.format == "JPEG" and image.size == (120, 80)
            assert not image.getexif()
    finally:
        dinan.logo.delete()


def test_council_admin_sets_the_phone_region(client_dinan, council_admin, dinan):
    page = client_dinan.login_as(council_admin).get("/staff/settings/").content.decode()
    assert 'name="phone_region"' in page and "La Réunion" in page
    assert _post(client_dinan, phone_region="RE").status_code == 302
    dinan.refresh_from_db()
    assert dinan.phone_region == "RE"
    [entry] = AuditEntry.objects.filter(action="accounts.council_settings_update")
    assert (entry.actor_id, entry.target_type, entry.target_id) == (
        council_admin.pk,
        "tenants.council",
        str(dinan.pk),
    )
    assert (entry.before, entry.after) == ({"phone_region": "FR"}, {"phone_region": "RE"})


def test_the_contact_address_is_changed_but_not_copied_into_the_log(council_admin, dinan):
    services.council_settings_update(
        actor=council_admin, council=dinan, contact_email="mairie@dinan.example"
    )
    [entry] = AuditEntry.objects.filter(action="accounts.council_settings_update")
    assert entry.data["changed"] == ["contact_email"]
    assert "mairie@dinan.example" not in str((entry.before, entry.after, entry.data))


def test_a_logo_change_is_one_audit_row(council_admin, dinan):
    logo = SimpleUploadedFile("logo.jpg", jpeg_with_exif(), content_type="image/jpeg")
    try:
        services.council_settings_update(actor=council_admin, council=dinan, logo=logo)
        [entry] = AuditEntry.objects.filter(action="accounts.council_settings_update")
        assert entry.data == {"changed": [], "logo": "replaced"}
    finally:
        dinan.logo.delete()


@pytest.mark.parametrize("persona", ["resident", "agent", "elected_official", "moderator"])
def test_only_council_admins_change_the_councils_settings(persona, request, dinan):
    user = request.getfixturevalue(persona)
    with pytest.raises(PermissionDenied):
        services.council_settings_update(actor=user, council=dinan, name="Hacked")
    assert Council.objects.get(pk=dinan.pk).name == "Dinan"
    assert not AuditEntry.objects.filter(action="accounts.council_settings_update").exists()
