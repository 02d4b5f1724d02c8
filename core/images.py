"""The image pipeline: checking and cleaning uploaded files, for every feature that accepts
them (report photos, proofs of address, council logos, mutual aid and group buy photos).

The type is read from the content (magic bytes, then a full decode), never from the name or the
browser's Content-Type. Images are re-encoded, which drops EXIF (GPS included) and anything
appended to the file; the re-encoded bytes are what we store.
"""

import io
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

IMAGE_FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
}
# A decompression bomb is refused from its header, before any pixel is decoded: Pillow itself
# only raises at twice MAX_IMAGE_PIXELS, so the check below is ours. 40 Mpx covers any phone.
MAX_PIXELS = 40_000_000
Image.MAX_IMAGE_PIXELS = MAX_PIXELS


@dataclass(frozen=True)
class CleanFile:
    content: bytes
    content_type: str
    extension: str
    width: int | None = None
    height: int | None = None


def _read_limited(upload: UploadedFile, max_bytes: int) -> bytes:
    if upload.size is not None and upload.size > max_bytes:
        raise ValidationError(
            _("The file is too large (%(size)s MB); the limit is %(limit)s MB.")
            % {"size": round(upload.size / 1_048_576, 1), "limit": round(max_bytes / 1_048_576, 1)},
            code="too_large",
        )
    upload.seek(0)
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ValidationError(
            _("The file is too large; the limit is %(limit)s MB.")
            % {"limit": round(max_bytes / 1_048_576, 1)},
            code="too_large",
        )
    if not data:
        raise ValidationError(_("The file is empty."), code="empty")
    return data


def clean_image(
    upload: UploadedFile,
    *,
    max_bytes: int,
    formats: tuple[str, ...] = ("JPEG", "PNG"),
    max_side: int = 2560,
) -> CleanFile:
    """A re-encoded copy of an uploaded image, or ValidationError with a message for the user."""
    data = _read_limited(upload, max_bytes)
    allowed = ", ".join(sorted(IMAGE_FORMATS[f][1].upper() for f in formats))
    try:
        with Image.open(io.BytesIO(data)) as probe:  # reads the header only
            fmt = probe.format
            if fmt not in formats:
                raise ValidationError(
                    _("This file is not an accepted image (%(allowed)s).") % {"allowed": allowed},
                    code="bad_type",
                )
            width, height = probe.size
            if width * height > MAX_PIXELS:
                raise ValidationError(
                    _("This image is too large (%(width)s by %(height)s pixels).")
                    % {"width": width, "height": height},
                    code="too_many_pixels",
                )
            probe.verify()
        with Image.open(io.BytesIO(data)) as opened:
            # A JPEG is decoded straight at the smallest scale (1/2, 1/4, 1/8) still at least
            # `max_side`: a big photo costs a fraction of its full decoding time and memory.
            opened.draft(None, (max_side, max_side))
            opened.load()
            # Keep the photo upright once EXIF is gone.
            image: Image.Image = ImageOps.exif_transpose(opened)
            image.thumbnail((max_side, max_side))
            if fmt == "JPEG" and image.mode not in ("RGB", "L"):
                image = image.convert("RGB")
            # Pillow writes back what it read (JPEG comments, ICC profiles, PNG text): keep the
            # pixels only.
            image.info = {}
            out = io.BytesIO()
            image.save(out, fmt, **({"quality": 85} if fmt in ("JPEG", "WEBP") else {}))
            width, height = image.size
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as error:
        raise ValidationError(
            _("This file is not an accepted image (%(allowed)s), or it is damaged.")
            % {"allowed": allowed},
            code="bad_image",
        ) from error
    content_type, extension = IMAGE_FORMATS[fmt]
    return CleanFile(out.getvalue(), content_type, extension, width, height)


def image_thumbnail(clean: CleanFile, *, side: int) -> bytes:
    """A smaller copy of an image `clean_image` already checked, in the same format."""
    fmt = {ext: name for name, (_type, ext) in IMAGE_FORMATS.items()}[clean.extension]
    with Image.open(io.BytesIO(clean.content)) as image:
        image.thumbnail((side, side))
        out = io.BytesIO()
        image.save(out, fmt, **({"quality": 80} if fmt != "PNG" else {}))
    return out.getvalue()


def clean_document(upload: UploadedFile, *, max_bytes: int) -> CleanFile:
    """A proof document: a PDF (kept as is, checked for its signature and end marker) or a
    JPEG/PNG image (re-encoded)."""
    data = _read_limited(upload, max_bytes)
    if data.startswith(b"%PDF-"):
        if b"%%EOF" not in data[-2048:]:
            raise ValidationError(_("This PDF is damaged or incomplete."), code="bad_pdf")
        return CleanFile(data, "application/pdf", "pdf")
    upload.seek(0)
    try:
        return clean_image(upload, max_bytes=max_bytes)
    except ValidationError as error:
        if error.code == "too_large":
            raise
        raise ValidationError(
            _("This file is not a PDF, JPEG or PNG document."), code="bad_type"
        ) from error
