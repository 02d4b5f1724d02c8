"""Mutual aid personas: verified neighbours in two neighbourhoods, an unverified resident, a
moderator; helpers to post listings and open conversations through the services."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token

from community import services as community_services
from community.models import CommunitySettings
from community.mutual_aid import services
from community.mutual_aid.models import AidCategory
from tests.community.conftest import declare, png_bytes, upload, verified
from tests.conftest import CouncilClient, make_user
from tests.factories import NeighbourhoodFactory

SQUARE = [[-2.05, 48.45], [-2.03, 48.45], [-2.03, 48.46], [-2.05, 48.46], [-2.05, 48.45]]
EAST = [[-2.03, 48.45], [-2.01, 48.45], [-2.01, 48.46], [-2.03, 48.46], [-2.03, 48.45]]
FAR = [[-1.90, 48.40], [-1.89, 48.40], [-1.89, 48.41], [-1.90, 48.41], [-1.90, 48.40]]


@pytest.fixture
def hoods(in_dinan):
    return {
        "centre": NeighbourhoodFactory(
            name="Centre", area={"type": "Polygon", "coordinates": [SQUARE]}
        ),
        "east": NeighbourhoodFactory(name="Est", area={"type": "Polygon", "coordinates": [EAST]}),
        "far": NeighbourhoodFactory(name="Léhon", area={"type": "Polygon", "coordinates": [FAR]}),
    }


def verified_in(email: str, hood, full_name: str) -> object:
    user = verified(email, neighbourhood=hood)
    user.full_name = full_name
    # Established accounts: the stricter limits of new accounts have their own test.
    user.date_joined = timezone.now() - timedelta(days=60)
    user.language = "en"  # emails in English, like the pages the tests read
    user.save(update_fields=["full_name", "date_joined", "language"])
    return user


@pytest.fixture
def alice(hoods):
    return verified_in("alice@example.org", hoods["centre"], "Alice Martin")


@pytest.fixture
def bruno(hoods):
    return verified_in("bruno@example.org", hoods["centre"], "Bruno Le Goff")


@pytest.fixture
def chloe(hoods):
    return verified_in("chloe@example.org", hoods["east"], "Chloé Durand")


@pytest.fixture
def unverified(hoods):
    user = make_user("dora@example.org", full_name="Dora Petit")
    declare(user, neighbourhood=hoods["centre"])
    return user


def category(code: str) -> AidCategory:
    return AidCategory.objects.get(code=code)


def post(author, **fields):
    fields.setdefault("kind", "offer")
    fields.setdefault("category", category(fields.pop("code", "diy")))
    fields.setdefault("title", "Je répare les vélos")
    fields.setdefault("description", "Crevaisons, freins, dérailleurs.")
    return services.listing_create(author=author, **fields)


def api(client: CouncilClient, user) -> CouncilClient:
    token, _ = Token.objects.get_or_create(user=user)
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {token.key}"
    return client


def set_requirement(required: bool) -> None:
    admin = make_user("settings-admin@dinan.example", "council_admin")
    community_services.community_settings_update(acting=admin, require_mutual_aid=required)
    assert CommunitySettings.load().require_mutual_aid is required


def photo(name="p.png", **kwargs):
    return upload(name, png_bytes(**kwargs), "image/png")
