"""Every page and endpoint, visited by each persona that can reach it; another council sees
nothing; the API for residents and staff."""

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from community.mutual_aid import services
from community.mutual_aid.models import AbuseReport, Listing
from core.audit import AuditEntry
from tests.conftest import CouncilClient, make_user

from .conftest import api, category, photo, post


@pytest.fixture
def scene(alice, bruno, moderator, django_capture_on_commit_callbacks):
    listing = post(alice, title="Soutien en maths", code="tutoring", photos=[photo()])
    conversation = services.conversation_open(listing=listing, respondent=bruno, body="Bonjour")
    report = services.abuse_report_create(reporter=bruno, listing=listing, reason="Doute")
    suspension = services.resident_suspend(
        resident=make_user("spam@example.org"), actor=moderator, days=3, reason="Spam"
    )
    return {
        "listing": listing,
        "conversation": conversation,
        "report": report,
        "suspension": suspension,
        "photo": listing.photos.get(),
    }


RESIDENT_PAGES = [
    "/mutual-aid/",
    "/mutual-aid/?q=maths&kind=offer&free=free&for_me=on",
    "/mutual-aid/map/",
    "/mutual-aid/map/?format=geojson",
    "/mutual-aid/listings/{listing}/",
    "/mutual-aid/photos/{photo}/thumb/",
    "/mutual-aid/photos/{photo}/full/",
]
SIGNED_IN_PAGES = ["/mutual-aid/conversations/", "/mutual-aid/mine/"]
STAFF_PAGES = [
    "/staff/community/mutual-aid/",
    "/staff/community/mutual-aid/?status=dismissed",
    "/staff/community/mutual-aid/reports/{report}/",
    "/staff/community/mutual-aid/suspensions/",
]
ADMIN_PAGES = [
    "/staff/community/mutual-aid/categories/",
    "/staff/community/mutual-aid/categories/new/",
    "/staff/community/mutual-aid/categories/{category}/",
]
FIGURES = "/staff/community/mutual-aid/figures/"
FIGURES_CSV = "/staff/community/mutual-aid/figures.csv"


def _fill(url, scene):
    return url.format(
        listing=scene["listing"].pk,
        photo=scene["photo"].pk,
        report=scene["report"].pk,
        category=category("tutoring").pk,
    )


def test_every_page_answers_each_persona_with_the_right_status(
    scene,
    dinan,
    alice,
    bruno,
    chloe,
    unverified,
    moderator,
    council_admin,
    agent,
    elected_official,
):
    personas = {
        "visitor": None,
        "alice": alice,
        "bruno": bruno,
        "chloe": chloe,
        "unverified": unverified,
        "moderator": moderator,
        "admin": council_admin,
        "agent": agent,
        "elected": elected_official,
    }
    for name, user in personas.items():
        client = CouncilClient(dinan)
        if user is not None:
            client.login_as(user)
        staffish = name in ("moderator", "admin")
        expected = {
            **dict.fromkeys(RESIDENT_PAGES, 200),
            **dict.fromkeys(SIGNED_IN_PAGES, 302 if user is None else 200),
            # Browsing stays open; posting needs a verified address.
            "/mutual-aid/new/": 302
            if user is None
            else 200
            if name in ("alice", "bruno", "chloe")
            else 403,
            **dict.fromkeys(STAFF_PAGES, 302 if user is None else 200 if staffish else 403),
            **dict.fromkeys(ADMIN_PAGES, 302 if user is None else 200 if name == "admin" else 403),
            FIGURES_CSV: 302
            if user is None
            else 200
            if name in ("moderator", "admin", "elected")
            else 403,
            FIGURES: 302
            if user is None
            else 200
            if name in ("moderator", "admin", "elected")
            else 403,
        }
        conversation = f"/mutual-aid/conversations/{scene['conversation'].pk}/"
        expected[conversation] = 302 if user is None else 200 if name in ("alice", "bruno") else 404
        for url, status in expected.items():
            response = client.get(_fill(url, scene))
            assert response.status_code == status, (name, url, response.status_code)


def test_staff_pages_post_actions(scene, dinan, moderator, council_admin):
    client = CouncilClient(dinan).login_as(moderator)
    report = scene["report"]
    base = f"/staff/community/mutual-aid/reports/{report.pk}/"
    assert client.post(base + "dismiss/").status_code == 302
    assert AbuseReport.objects.get(pk=report.pk).status == "dismissed"
    assert client.post(base + "suspend/", {"days": 7, "reason": "Spam"}).status_code == 302
    assert client.post(base + "hide/", {"reason": "Hors sujet"}).status_code == 302
    listing = Listing.objects.get(pk=scene["listing"].pk)
    assert listing.is_hidden
    client.post(f"/staff/community/mutual-aid/listings/{listing.pk}/unhide/")
    assert not Listing.objects.get(pk=listing.pk).is_hidden
    client.post(f"/staff/community/mutual-aid/suspensions/{scene['suspension'].pk}/lift/")
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {
        "community.aid_report_dismiss",
        "community.aid_resident_suspend",
        "community.aid_listing_hide",
        "community.aid_listing_unhide",
        "community.aid_suspension_lift",
    } <= actions
    admin = CouncilClient(dinan).login_as(council_admin)
    response = admin.post(
        "/staff/community/mutual-aid/categories/new/",
        {
            "code": "music",
            "name_fr": "Musique",
            "name_en": "Music",
            "position": 12,
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    assert AuditEntry.objects.filter(action="community.aid_category_create").exists()
    assert "Musique" in CouncilClient(dinan, language="fr").get("/mutual-aid/").content.decode()


def test_another_councils_residents_see_nothing(scene, dinan, saint_malo, outsider):
    listing, conversation = scene["listing"], scene["conversation"]
    client = CouncilClient(saint_malo).login_as(outsider)
    assert "Soutien en maths" not in client.get("/mutual-aid/").content.decode()
    for url in (
        f"/mutual-aid/listings/{listing.pk}/",
        f"/mutual-aid/conversations/{conversation.pk}/",
        f"/mutual-aid/photos/{scene['photo'].pk}/thumb/",
    ):
        assert client.get(url).status_code == 404, url
    with schema_context(saint_malo.schema_name):
        api_client = api(CouncilClient(saint_malo), outsider)
    assert api_client.get("/api/v1/community/mutual-aid/listings/").json() == []
    assert api_client.get(f"/api/v1/community/mutual-aid/listings/{listing.pk}/").status_code == 404
    assert (
        api_client.get(f"/api/v1/community/mutual-aid/conversations/{conversation.pk}/").status_code
        == 404
    )
    # A Saint-Malo session or token authenticates nobody at Dinan.
    dinan_client = CouncilClient(dinan)
    dinan_client.defaults["HTTP_AUTHORIZATION"] = api_client.defaults["HTTP_AUTHORIZATION"]
    assert dinan_client.get("/api/v1/community/mutual-aid/conversations/").status_code == 401


def test_resident_api_posts_answers_and_lists_conversations(alice, bruno, unverified, dinan):
    created = api(CouncilClient(dinan), alice).post(
        "/api/v1/community/mutual-aid/listings/",
        {
            "kind": "offer",
            "category": "it-help",
            "title": "Aide informatique",
            "description": "Installation d'imprimante.",
            "reach": "council",
        },
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    refused = api(CouncilClient(dinan), unverified).post(
        f"/api/v1/community/mutual-aid/listings/{pk}/interested/", {"body": "Moi"}
    )
    assert refused.status_code == 403
    client = api(CouncilClient(dinan), bruno)
    opened = client.post(f"/api/v1/community/mutual-aid/listings/{pk}/interested/", {"body": "Moi"})
    assert opened.status_code == 201
    conversation = opened.json()["id"]
    sent = client.post(
        f"/api/v1/community/mutual-aid/conversations/{conversation}/messages/",
        {"body": "Voir www.exemple.fr"},
    )
    assert sent.status_code == 201 and sent.json()["has_link"] is True
    listed = api(CouncilClient(dinan), alice).get("/api/v1/community/mutual-aid/conversations/")
    assert [c["other_name"] for c in listed.json()] == ["Bruno"]
    categories = CouncilClient(dinan).get("/api/v1/community/mutual-aid/categories/").json()
    assert "lending" in {c["code"] for c in categories}


def test_staff_api_queue_hide_and_figures(scene, dinan, moderator, bruno, elected_official):
    client = api(CouncilClient(dinan), moderator)
    reports = client.get("/api/v1/community/mutual-aid/staff/reports/").json()
    assert [r["id"] for r in reports] == [scene["report"].pk]
    hidden = client.post(
        f"/api/v1/community/mutual-aid/staff/listings/{scene['listing'].pk}/hide/",
        {"reason": "Hors charte"},
    )
    assert hidden.status_code == 200
    assert (
        client.post(
            f"/api/v1/community/mutual-aid/staff/listings/{scene['listing'].pk}/hide/", {}
        ).status_code
        == 400
    )
    figures = (
        api(CouncilClient(dinan), elected_official)
        .get("/api/v1/community/mutual-aid/staff/figures/")
        .json()
    )
    assert figures["by_category"][0]["category__code"] == "tutoring"
    resident = api(CouncilClient(dinan), bruno)
    assert resident.get("/api/v1/community/mutual-aid/staff/reports/").status_code == 403
    assert (
        resident.post(
            f"/api/v1/community/mutual-aid/staff/listings/{scene['listing'].pk}/hide/",
            {"reason": "x"},
        ).status_code
        == 403
    )


def test_the_api_is_documented(client_dinan):
    schema = client_dinan.get("/api/schema/").content.decode()
    for path in (
        "/api/v1/community/mutual-aid/listings/",
        "/api/v1/community/mutual-aid/listings/{id}/interested/",
        "/api/v1/community/mutual-aid/conversations/{id}/",
        "/api/v1/community/mutual-aid/conversations/{id}/messages/",
        "/api/v1/community/mutual-aid/staff/reports/",
        "/api/v1/community/mutual-aid/staff/listings/{id}/hide/",
        "/api/v1/community/mutual-aid/staff/figures/",
    ):
        assert path in schema, path
    assert "Full-text search (French, accents ignored)" in schema


def test_every_endpoint_answers_each_persona_with_the_right_status(
    scene, dinan, alice, bruno, chloe, unverified, moderator, council_admin, agent, elected_official
):
    listing, conversation = scene["listing"].pk, scene["conversation"].pk
    base = "/api/v1/community/mutual-aid/"
    personas = {
        "visitor": None,
        "alice": alice,
        "bruno": bruno,
        "chloe": chloe,
        "unverified": unverified,
        "moderator": moderator,
        "admin": council_admin,
        "agent": agent,
        "elected": elected_official,
    }
    for name, user in personas.items():
        client = CouncilClient(dinan) if user is None else api(CouncilClient(dinan), user)
        moderating = name in ("moderator", "admin")
        expected = {
            "categories/": 200,
            "listings/": 200,
            f"listings/{listing}/": 200,
            "conversations/": 401 if user is None else 200,
            f"conversations/{conversation}/": 401
            if user is None
            else 200
            if name in ("alice", "bruno")
            else 404,
            "staff/reports/": 401 if user is None else 200 if moderating else 403,
            "staff/figures/": 401
            if user is None
            else 200
            if moderating or name == "elected"
            else 403,
        }
        for path, status in expected.items():
            response = client.get(base + path)
            assert response.status_code == status, (name, path, response.status_code)


def test_pages_speak_french_by_default(scene, dinan):
    page = CouncilClient(dinan, language="").get("/mutual-aid/").content.decode()
    assert "Entraide entre voisins" in page
    assert "ne manipule jamais d\u2019argent et ne prend aucune commission" in page
    assert "Soutien scolaire" in page  # the category's French name


def test_figures_count_listings_by_category_neighbourhood_and_done_per_month(
    scene, alice, bruno, dinan, council_admin
):
    listing, conversation = scene["listing"], scene["conversation"]
    services.listing_agree(listing=listing, actor=alice, conversation=conversation)
    services.listing_done(listing=listing, actor=alice)
    post(bruno, title="Courses du samedi", code="errands", kind="request")
    client = CouncilClient(dinan).login_as(council_admin)
    page = client.get("/staff/community/mutual-aid/figures/").content.decode()
    assert "Tutoring" in page and "Errands" in page and "Centre" in page
    lines = b"".join(client.get("/staff/community/mutual-aid/figures.csv").streaming_content)
    text = lines.decode()
    assert "Category,Tutoring,1,1" in text and "Category,Errands,1,0" in text
    assert "Neighbourhood,Centre,2,1" in text
    month = timezone.localdate().strftime("%Y-%m")
    assert f"Month,{month},,1" in text


def test_the_author_agrees_and_closes_the_loop_through_the_api(scene, alice, bruno, chloe, dinan):
    listing, conversation = scene["listing"].pk, scene["conversation"].pk
    base = f"/api/v1/community/mutual-aid/listings/{listing}/"
    assert api(CouncilClient(dinan), bruno).post(base + "done/").status_code == 403
    author = api(CouncilClient(dinan), alice)
    assert author.post(base + "done/").status_code == 400  # nobody picked yet
    agreed = author.post(base + "agree/", {"conversation": conversation})
    assert agreed.status_code == 200 and agreed.json()["status"] == "agreed"
    assert author.post(base + "done/").json()["status"] == "done"
    thanks = f"/api/v1/community/mutual-aid/conversations/{conversation}/thanks/"
    assert api(CouncilClient(dinan), chloe).post(thanks, {"text": "Bravo"}).status_code == 404
    assert api(CouncilClient(dinan), bruno).post(thanks, {"text": "Merci"}).status_code == 201
    assert author.post(base + "explode/").status_code == 404
