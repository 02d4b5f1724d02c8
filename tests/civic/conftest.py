"""Fixtures of street reporting: categories with questions, a roads team with its agent,
photos carrying EXIF (GPS included)."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from civic.models import Category, Question, Team
from tests.conftest import make_user

DINAN = (48.4556, -2.0503)


def jpeg_with_gps(name: str = "pothole.jpg", size=(800, 600), colour="red") -> SimpleUploadedFile:
    image = Image.new("RGB", size, colour)
    exif = Image.Exif()
    exif[0x010F] = "SpyCamMaker"  # Make
    exif[0x8825] = {1: "N", 2: (48.0, 27.0, 20.0), 3: "W", 4: (2.0, 3.0, 1.0)}  # GPS IFD
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def png(name: str = "light.png") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "blue").save(out, "PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def not_an_image(name: str = "evil.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"#!/bin/sh\necho pwned\n" * 20, content_type="image/jpeg")


def offset(lat: float, lon: float, metres_north: float = 0, metres_east: float = 0):
    import math

    return (
        lat + metres_north / 111_320,
        lon + metres_east / (111_320 * math.cos(math.radians(lat))),
    )


@pytest.fixture
def roads_team(in_dinan):
    return Team.objects.create(name="Roads")


@pytest.fixture
def lighting_team(in_dinan):
    return Team.objects.create(name="Lighting")


@pytest.fixture
def pothole(roads_team):
    category = Category.objects.create(
        code="pothole",
        name_fr="Nid-de-poule",
        name_en="Pothole",
        group="Roads",
        team=roads_team,
        response_days=5,
        description_en="Holes in the road",
        keywords="road, hole",
    )
    Question.objects.create(
        category=category,
        code="depth",
        label_fr="Profondeur (cm)",
        label_en="Depth (cm)",
        kind=Question.Kind.NUMBER,
        required=True,
        order=1,
    )
    Question.objects.create(
        category=category,
        code="lane",
        label_fr="Voie",
        label_en="Lane",
        kind=Question.Kind.SINGLE,
        order=2,
        choices=[
            {"key": "left", "name_fr": "Gauche", "name_en": "Left"},
            {"key": "right", "name_fr": "Droite", "name_en": "Right"},
        ],
    )
    return category


@pytest.fixture
def streetlight(lighting_team):
    return Category.objects.create(
        code="streetlight",
        name_fr="Éclairage",
        name_en="Street light",
        group="Lighting",
        team=lighting_team,
        response_days=10,
    )


@pytest.fixture
def roads_agent(agent, roads_team):
    roads_team.members.add(agent)
    return agent


@pytest.fixture
def lighting_agent(in_dinan, lighting_team):
    user = make_user("lights@dinan.example", "agent")
    lighting_team.members.add(user)
    return user


@pytest.fixture
def neighbour(in_dinan):
    return make_user("neighbour@example.org")


@pytest.fixture(autouse=True)
def _remove_civic_files():
    """Photos written by a test are removed afterwards: the test's transaction is rolled back,
    files are not."""
    yield
    import shutil
    from pathlib import Path

    from django.conf import settings

    from civic.storage import private_media_root

    for root in (settings.MEDIA_ROOT, private_media_root()):
        for schema in ("dinan", "saint_malo"):
            shutil.rmtree(Path(root) / schema / "civic", ignore_errors=True)
