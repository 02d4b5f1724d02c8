"""The shared core's helpers, each against the bug or rule it exists for."""

import csv
import io
import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from lxml import etree
from PIL import Image

from core import ratelimit
from core.csv import csv_cell, csv_lines
from core.images import clean_image, image_thumbnail
from core.phones import phone_display, phone_e164, phone_parse
from core.text import xml_safe


def test_csv_writes_negative_numbers_as_numbers():
    lines = "".join(csv_lines(["lon", "lat"], [[-2.0412, 48.45], [-1, "-2.5"]]))
    rows = list(csv.reader(io.StringIO(lines)))
    assert rows[1] == ["-2.0412", "48.45"]
    # Text that starts like a formula is still guarded, even when it looks like a number.
    assert rows[2] == ["-1", "'-2.5"]


@pytest.mark.parametrize("text", ["=HYPERLINK(1)", "+33612", "@SUM(A1)", "-cmd", "\tx"])
def test_csv_guards_text_that_starts_like_a_formula(text):
    assert csv_cell(text) == "'" + text


def test_csv_leaves_plain_values_alone():
    assert csv_cell("Rue de Brest") == "Rue de Brest"
    assert csv_cell(None) == ""
    assert csv_cell(True) == "yes"
    assert csv_cell(0) == 0


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("0692123456", "RE", "+262692123456"),
        ("0692 12 34 56", "RE", "+262692123456"),
        ("06 12 34 56 78", "FR", "+33612345678"),
        ("0690 12 34 56", "GP", "+590690123456"),
        ("0696 12 34 56", "MQ", "+596696123456"),
        ("+33 6 12 34 56 78", "RE", "+33612345678"),
        ("0033612345678", "FR", "+33612345678"),
        ("+1234567", "FR", None),
        ("12", "FR", None),
        ("not a number", "FR", None),
        ("", "FR", None),
    ],
)
def test_phone_numbers_are_read_in_the_council_region(raw, region, expected):
    assert phone_e164(raw, region) == expected


def test_phone_parse_explains_a_bad_number():
    with pytest.raises(ValidationError) as error:
        phone_parse("+1234567", "FR")
    assert error.value.code == "bad_phone"
    assert "06 12 34 56 78" in error.value.messages[0]


def test_phone_region_comes_from_the_active_council(in_dinan, dinan):
    dinan.phone_region = "RE"
    assert phone_e164("0692123456") == "+262692123456"
    assert phone_display("+262692123456") == "0692 12 34 56"
    assert phone_display("+33612345678") == "+33 6 12 34 56 78"


def test_xml_safe_removes_what_xml_forbids():
    text = "Trou\x0b dans\x00 la chaussée\tn°3\n\ud800\ufffe"
    clean = xml_safe(text)
    assert clean == "Trou dans la chaussée\tn°3\n"
    etree.fromstring(f"<d>{clean}</d>".encode())  # parses
    assert xml_safe(None) == ""


def test_rate_limit_counts_per_council(in_dinan, dinan, saint_malo):
    from django.db import connection

    for _ in range(3):
        ratelimit.enforce("t:key", limit=3, window=60)
    with pytest.raises(ratelimit.RateLimited):
        ratelimit.enforce("t:key", limit=3, window=60)
    connection.set_tenant(saint_malo)
    ratelimit.enforce("t:key", limit=3, window=60)  # another council's count is its own


def _png_header(width: int, height: int) -> bytes:
    """A PNG whose header claims `width` by `height`, with one tiny compressed row of data: a
    decoder would allocate the whole image before finding out."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 1000))
        + chunk(b"IEND", b"")
    )


def test_an_image_bomb_is_refused_from_its_header():
    upload = SimpleUploadedFile("bomb.png", _png_header(8800, 8800))
    with pytest.raises(ValidationError) as error:
        clean_image(upload, max_bytes=1_000_000)
    assert error.value.code == "too_many_pixels"


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_comments_and_text_chunks_do_not_survive_reencoding(fmt):
    from PIL import PngImagePlugin

    raw = io.BytesIO()
    if fmt == "JPEG":
        Image.new("RGB", (60, 40), "blue").save(raw, fmt, comment=b"my-home-address")
    else:
        meta = PngImagePlugin.PngInfo()
        meta.add_text("Comment", "my-home-address")
        Image.new("RGB", (60, 40), "blue").save(raw, fmt, pnginfo=meta)
    assert b"my-home-address" in raw.getvalue()
    clean = clean_image(SimpleUploadedFile("p", raw.getvalue()), max_bytes=1_000_000)
    assert b"my-home-address" not in clean.content


def test_images_are_reencoded_without_metadata_and_thumbnailed():
    image = Image.new("RGB", (800, 600), "red")
    exif = Image.Exif()
    exif[0x010F] = "Camera maker"
    raw = io.BytesIO()
    image.save(raw, "JPEG", exif=exif)
    clean = clean_image(SimpleUploadedFile("p.jpg", raw.getvalue()), max_bytes=1_000_000)
    with Image.open(io.BytesIO(clean.content)) as again:
        assert not again.getexif()
    thumb = image_thumbnail(clean, side=100)
    with Image.open(io.BytesIO(thumb)) as small:
        assert max(small.size) == 100


def test_factories_build_valid_objects_in_the_active_council(in_dinan):
    from civic.models import IssueReport
    from tests.factories import IssueReportFactory, UserFactory

    agent = UserFactory(roles=["agent"])
    assert agent.has_role("agent")
    report = IssueReportFactory(longitude=-2.0412)
    assert IssueReport.objects.get(pk=report.pk).longitude == -2.0412
    assert report.reporter.check_password("a-long-test-password")


def test_platform_scoped_rate_limits_are_shared_by_councils(dinan, saint_malo):
    from django_tenants.utils import tenant_context

    with tenant_context(dinan):
        assert ratelimit.hit("shared", window=60, scope="platform") == 1
        assert ratelimit.hit("own", window=60) == 1
    with tenant_context(saint_malo):
        assert ratelimit.hit("shared", window=60, scope="platform") == 2
        assert ratelimit.hit("own", window=60) == 1
        ratelimit.reset("shared", scope="platform")
        assert ratelimit.count("shared", scope="platform") == 0


def test_numbers_from_users_are_parsed_one_way():
    from core.params import parse_float, parse_int, parse_ints

    assert parse_int("42") == 42
    for bad in ("\u00b2", "\u0663", "99999999999999999999", "-1", "", None, "1.5", " ", "4\x002"):
        assert parse_int(bad) is None
    assert parse_int("-5", minimum=-10) == -5
    assert parse_ints(["1", "x", "\u00b2", "3"]) == [1, 3]
    assert parse_float("-2.5e1") == -25.0
    for bad in ("inf", "nan", "-inf", "1e309", "\u0663", "", None, "abc"):
        assert parse_float(bad) is None
    assert parse_float("91", maximum=90) is None
