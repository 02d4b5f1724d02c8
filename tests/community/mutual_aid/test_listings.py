"""Listings: who may post, where they are placed, compensation, photos, the status cycle."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from community.mutual_aid import selectors, services
from community.mutual_aid.models import AidCategory, Conversation, Listing, ListingStatus
from community.storage import private_document_storage
from tests.community.conftest import png_bytes, upload

from .conftest import category, photo, post, set_requirement


def test_default_categories_exist_in_both_languages(in_dinan):
    codes = set(AidCategory.objects.values_list("code", flat=True))
    assert {
        "lending",
        "tutoring",
        "it-help",
        "plants-pets",
        "babysitting",
        "diy",
        "errands",
        "company",
        "car-sharing",
        "other",
    } <= codes
    lending = category("lending")
    assert (lending.name_fr, lending.name_en, lending.is_lending) == (
        "Prêt d'objet",
        "Lending an object",
        True,
    )


def test_a_listing_is_placed_at_the_neighbourhood_never_the_address(alice, hoods, client_dinan):
    listing = post(alice)
    assert listing.neighbourhood == hoods["centre"]
    assert listing.expires_at - timezone.now() > timedelta(days=29)
    page = client_dinan.get(listing.get_absolute_url()).content.decode()
    assert "Centre" in page and "Alice" in page
    address = alice.residence.address_line1
    assert address not in page and "alice@example.org" not in page
    assert "never handles money and takes no commission" in page
    api = client_dinan.get(f"/api/v1/community/mutual-aid/listings/{listing.pk}/").json()
    assert api["neighbourhood"] == "Centre" and address not in str(api)
    assert "alice@example.org" not in str(api) and "Martin" not in str(api)


def test_unverified_residents_cannot_post_or_answer_where_the_council_requires_it(
    alice, unverified
):
    listing = post(alice)
    with pytest.raises(PermissionDenied):
        post(unverified)
    with pytest.raises(PermissionDenied):
        services.conversation_open(listing=listing, respondent=unverified, body="Intéressée")
    assert not Conversation.objects.exists()


def test_when_the_council_opens_mutual_aid_to_all_an_unverified_resident_takes_part(
    alice, unverified
):
    set_requirement(False)
    mine = post(unverified, title="Cherche une perceuse", kind="request", code="lending")
    assert mine.author == unverified
    conversation = services.conversation_open(
        listing=post(alice), respondent=unverified, body="Bonjour"
    )
    assert conversation.respondent == unverified


def test_unverified_resident_can_browse_but_sees_no_contact_form(alice, unverified, client_dinan):
    listing = post(alice)
    client = client_dinan.login_as(unverified)
    assert client.get("/mutual-aid/").status_code == 200
    page = client.get(listing.get_absolute_url()).content.decode()
    assert "Only residents whose address is verified can answer." in page
    assert f"/mutual-aid/listings/{listing.pk}/interested/" not in page
    assert client.get("/mutual-aid/new/").status_code == 403
    response = client.post(f"/mutual-aid/listings/{listing.pk}/interested/", {"body": "Bonjour"})
    assert response.status_code == 302 and not Conversation.objects.exists()


def test_compensation_is_free_or_an_amount_per_unit(alice):
    with pytest.raises(ValidationError) as error:
        post(alice, compensation="hour")
    assert "amount" in error.value.message_dict
    paid = post(alice, compensation="hour", amount=Decimal("12.50"))
    assert (paid.compensation, paid.amount) == ("hour", Decimal("12.50"))
    free = post(alice, amount=Decimal("5"))
    assert free.amount is None


def test_up_to_three_photos_cleaned_and_served_only_while_the_listing_is_visible(
    alice, bruno, moderator, client_dinan
):
    with pytest.raises(ValidationError):
        post(alice, photos=[photo(), photo(), photo(), photo()])
    with pytest.raises(ValidationError):
        post(alice, photos=[upload("x.png", b"not an image", "image/png")])
    listing = post(alice, photos=[upload("a.jpg", png_bytes(exif=True), "image/jpeg"), photo()])
    first = listing.photos.first()
    stored = private_document_storage().open(first.file).read()
    assert b"SpyCam" not in stored
    url = f"/mutual-aid/photos/{first.pk}/thumb/"
    assert client_dinan.get(url).status_code == 200
    services.listing_hide(listing=listing, actor=moderator, reason="Photo d'une personne")
    assert client_dinan.get(url).status_code == 404
    assert client_dinan.login_as(bruno).get(url).status_code == 404
    assert client_dinan.login_as(alice).get(url).status_code == 200


def test_status_goes_open_agreed_done_by_the_author_only(alice, bruno, chloe):
    listing = post(alice)
    conversation = services.conversation_open(listing=listing, respondent=bruno, body="Moi !")
    with pytest.raises(PermissionDenied):
        services.listing_agree(listing=listing, actor=bruno, conversation=conversation)
    with pytest.raises(ValidationError):
        services.listing_done(listing=listing, actor=alice)
    services.listing_agree(listing=listing, actor=alice, conversation=conversation)
    listing.refresh_from_db()
    assert (listing.status, listing.helper) == (ListingStatus.AGREED, bruno)
    with pytest.raises(ValidationError):  # no longer open for new people
        services.conversation_open(listing=listing, respondent=chloe, body="Et moi ?")
    services.listing_done(listing=listing, actor=alice)
    listing.refresh_from_db()
    assert listing.status == ListingStatus.DONE and listing.done_at is not None


def test_expired_listings_leave_the_list_until_renewed(alice, client_dinan):
    listing = post(alice, title="Tondeuse à prêter")
    Listing.objects.filter(pk=listing.pk).update(expires_at=timezone.now() - timedelta(days=1))
    assert listing not in selectors.listings_public()
    assert "Tondeuse" not in client_dinan.get("/mutual-aid/").content.decode()
    assert client_dinan.get(listing.get_absolute_url()).status_code == 404
    services.listing_renew(listing=listing, actor=alice)
    assert listing in selectors.listings_public()


def test_closed_listing_is_gone_for_others(alice, bruno, client_dinan):
    listing = post(alice)
    services.listing_close(listing=listing, actor=alice)
    assert client_dinan.login_as(bruno).get(listing.get_absolute_url()).status_code == 404
    with pytest.raises(PermissionDenied):
        services.listing_renew(listing=post(alice), actor=bruno)


def test_posting_through_the_page(alice, client_dinan):
    client = client_dinan.login_as(alice)
    response = client.post(
        "/mutual-aid/new/",
        {
            "kind": "request",
            "category": category("tutoring").pk,
            "title": "Aide en maths pour ma fille",
            "description": "Niveau 4e, une heure par semaine.",
            "compensation": "hour",
            "amount": "10",
            "availability": "Mercredi après-midi",
            "reach": "council",
            "photos": [photo()],
        },
    )
    listing = Listing.objects.get(title="Aide en maths pour ma fille")
    assert response.status_code == 302 and response["Location"] == listing.get_absolute_url()
    assert listing.photos.count() == 1 and listing.reach == "council"
    bad = client.post("/mutual-aid/new/", {"kind": "offer", "title": ""})
    assert bad.status_code == 400


def test_the_author_edits_an_open_listing_and_its_photos(alice, bruno, client_dinan):
    listing = post(alice, photos=[photo(), photo()])
    first, second = listing.photos.all()
    url = f"/mutual-aid/listings/{listing.pk}/edit/"
    assert client_dinan.login_as(bruno).get(url).status_code == 404
    client = client_dinan.login_as(alice)
    assert client.get(url).status_code == 200
    form = {
        "kind": "offer",
        "category": category("it-help").pk,
        "title": "Dépannage informatique",
        "description": "Ordinateurs et imprimantes.",
        "compensation": "free",
        "reach": "council",
        "remove_photos": [first.pk],
    }
    too_many = client.post(url, {**form, "remove_photos": [], "photos": [photo(), photo()]})
    assert too_many.status_code == 400
    response = client.post(url, {**form, "photos": [photo()]})
    assert response.status_code == 302
    listing.refresh_from_db()
    assert (listing.title, listing.category.code, listing.reach) == (
        "Dépannage informatique",
        "it-help",
        "council",
    )
    assert set(listing.photos.values_list("pk", flat=True)) - {second.pk} != set()
    assert not listing.photos.filter(pk=first.pk).exists() and listing.photos.count() == 2
    with pytest.raises(PermissionDenied):
        services.listing_update(
            listing=listing,
            actor=bruno,
            **{k: v for k, v in form.items() if k not in ("remove_photos", "category")},
            category=category("it-help"),
        )
