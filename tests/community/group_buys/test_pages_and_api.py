"""Every group-buy page and endpoint, visited by each persona that can reach it (and refused to
the others); another council sees nothing."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context
from rest_framework.authtoken.models import Token

from community.group_buys import services
from community.group_buys.models import Commitment, GroupBuy, Partner
from community.services import community_settings_update
from tests.community.conftest import png_bytes, upload
from tests.conftest import CouncilClient, make_user

from .conftest import TIERS, D, buy, expire, households


def api(client, user):
    token, _ = Token.objects.get_or_create(user=user)
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {token.key}"
    return client


def as_(council, user=None) -> CouncilClient:
    client = CouncilClient(council)
    return client.login_as(user) if user is not None else client


@pytest.fixture
def confirmed(organiser, alice, bruno, django_capture_on_commit_callbacks):
    group_buy = buy(organiser, product="Fioul", minimum_total=D(1), maximum_total=D(10))
    services.commitment_set(user=alice, group_buy=group_buy, quantity=D(5))
    services.commitment_set(user=bruno, group_buy=group_buy, quantity=D(5))
    with django_capture_on_commit_callbacks(execute=True):
        services.group_buy_close(group_buy_id=group_buy.pk, acting=organiser, early=True)
    group_buy.refresh_from_db()
    return group_buy


@pytest.fixture
def partner(organiser):
    return services.partner_save(
        acting=organiser, name="Repair café du Jerzual", category="repair", member_offer="-10 %"
    )


def manage_paths(prefix: str, pk: int) -> list[str]:
    return [
        f"{prefix}{pk}/",
        f"{prefix}{pk}/edit/",
        f"{prefix}{pk}/distribution/",
        f"{prefix}{pk}/distribution.pdf",
        f"{prefix}{pk}/order.pdf",
        f"{prefix}{pk}/order.csv",
    ]


def test_resident_pages_for_each_persona(dinan, firewood, alice, unverified, resident, partner):
    anonymous = as_(dinan)
    for path in ("/group-buys/", f"/group-buys/{firewood.pk}/", "/partners/", "/"):
        page = anonymous.get(path)
        assert page.status_code == 200, path
    detail = anonymous.get(f"/group-buys/{firewood.pk}/").content.decode()
    assert "Bois de chauffage" in detail and "no commission" in detail
    assert "Sign in to join" in detail
    home = anonymous.get("/").content.decode()
    assert "Bois de chauffage" in home and "Repair café du Jerzual" in home
    assert anonymous.post(f"/group-buys/{firewood.pk}/", {"quantity": "1"}).status_code == 302
    assert anonymous.get("/group-buys/new/").status_code == 302
    # A resident without a verified address reads the page, is told why, and is refused.
    page = as_(dinan, unverified).get(f"/group-buys/{firewood.pk}/").content.decode()
    assert "reserves group buys to residents whose address is verified" in page
    refused = as_(dinan, unverified).post(f"/group-buys/{firewood.pk}/", {"quantity": "1"})
    assert refused.status_code == 403
    assert as_(dinan, resident).get(f"/group-buys/{firewood.pk}/").status_code == 200
    # A verified resident joins, changes, sees the estimate, withdraws.
    client = as_(dinan, alice)
    assert client.post(f"/group-buys/{firewood.pk}/", {"quantity": "2"}).status_code == 302
    page = client.get(f"/group-buys/{firewood.pk}/").content.decode()
    assert "Your household ordered 2 stère" in page and "170.00 €" in page and "20.00 €" in page
    bad = client.post(f"/group-buys/{firewood.pk}/", {"quantity": "2.3"})
    assert bad.status_code == 400 and "Quantities go by" in bad.content.decode()
    assert client.post(f"/group-buys/{firewood.pk}/", {"withdraw": "1"}).status_code == 302
    assert not Commitment.objects.exists()
    # Residents may not organise here (the council did not allow it) nor manage others' buys.
    assert client.get("/group-buys/new/").status_code == 403
    for path in manage_paths("/group-buys/", firewood.pk)[1:]:
        assert client.get(path).status_code == 404, path
    assert client.get(f"/group-buys/{firewood.pk}/manage/").status_code == 404
    assert client.post(f"/group-buys/{firewood.pk}/close/").status_code == 404


def test_progress_json_follows_commitments_for_each_persona(
    dinan, saint_malo, firewood, alice, bruno, unverified, agent
):
    url = f"/group-buys/{firewood.pk}/progress.json"
    page = as_(dinan).get(f"/group-buys/{firewood.pk}/").content.decode()
    assert f'data-url="{url}"' in page and "community/group-buy-progress" in page
    services.commitment_set(user=alice, group_buy=firewood, quantity=D(5))
    anonymous = as_(dinan).get(url)
    assert anonymous.status_code == 200 and anonymous["Cache-Control"].startswith("max-age=0")
    data = anonymous.json()
    assert data["status"] == "open" and data["total"] == "5.00"
    assert data["minimum_percent"] == 50 and data["next_tier_percent"] == 25  # 5 of 10; of 20
    assert data["text"]["committed"] == "5 stère committed"
    assert data["text"]["to_minimum"] == "5 more needed for the group buy to go ahead."
    assert data["text"]["next_tier"] == "Towards the next tier: 78.00 € from 20"
    assert data["text"]["current_price"] == data["text"]["projected_price"] == "85.00 €"
    assert data["text"]["household_estimate"] == ""  # no household for a visitor
    # Another household commits: the next poll sees it, and Alice sees her own estimate.
    services.commitment_set(user=bruno, group_buy=firewood, quantity=D(5))
    for person in (alice, unverified, agent):
        assert as_(dinan, person).get(url).status_code == 200
    mine = as_(dinan, alice).get(url).json()
    assert mine["total"] == "10.00" and mine["minimum_percent"] == 100
    assert mine["text"]["to_minimum"] == ""
    assert mine["text"]["household_estimate"] == (
        "Estimated total: 425.00 €, saving 50.00 € against retail."  # 5 x 85; 5 x (95 - 85)
    )
    # Past the last tier there is no next tier to show.
    services.commitment_set(user=alice, group_buy=firewood, quantity=D(5))
    for person in households(9):
        services.commitment_set(user=person, group_buy=firewood, quantity=D(5))
    top = as_(dinan, alice).get(url).json()
    assert top["next_tier_percent"] is None and top["text"]["next_tier"] == ""
    assert top["text"]["current_price"] == "70.00 €"
    # Another council: the same id is nobody's there.
    with tenant_context(saint_malo):
        malo_resident = make_user("progress@saint-malo.example")
    assert as_(saint_malo, malo_resident).get(url).status_code == 404
    assert as_(saint_malo).get(url).status_code == 404
    assert as_(dinan).get("/group-buys/999999/progress.json").status_code == 404


def test_progress_json_of_a_closed_group_buy_only_for_those_who_see_it(dinan, confirmed, alice):
    expire(confirmed)
    url = f"/group-buys/{confirmed.pk}/progress.json"
    data = as_(dinan, alice).get(url).json()
    assert data["status"] == "confirmed" and data["text"]["current_price"] == "85.00 €"
    assert as_(dinan).get(url).status_code == 404


def test_resident_organiser_pages(dinan, alice, bruno, staff, django_capture_on_commit_callbacks):
    community_settings_update(acting=staff, residents_organise_group_buys=True)
    client = as_(dinan, alice)
    assert client.get("/group-buys/new/").status_code == 200
    form = {
        "product": "Paniers de légumes",
        "supplier_name": "AMAP de la Rance",
        "unit": "crate",
        "step": "1",
        "retail_price": "20",
        "tiers": "1: 18\n10: 15,50",
        "minimum_total": "2",
        "maximum_total": "3",
        "household_min": "1",
        "household_max": "2",
        "deadline": "2099-06-01T18:00",
        "delivery": "pickup",
        "pickup_place": "Place du Champ",
        "photo": upload("legumes.png", png_bytes(), "image/png"),
    }
    response = client.post("/group-buys/new/", form)
    assert response.status_code == 302, response.content.decode()[:3000]
    group_buy = GroupBuy.objects.get(product="Paniers de légumes")
    assert group_buy.organiser == alice and group_buy.photo.name.endswith(".png")
    assert response["Location"] == f"/group-buys/{group_buy.pk}/manage/"
    for path in manage_paths("/group-buys/", group_buy.pk)[1:]:
        assert client.get(path).status_code == 200, path
    assert client.get(f"/group-buys/{group_buy.pk}/manage/").status_code == 200
    services.commitment_set(user=bruno, group_buy=group_buy, quantity=D(2))
    services.commitment_set(user=alice, group_buy=group_buy, quantity=D(1))
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/group-buys/{group_buy.pk}/close/").status_code == 302
    group_buy.refresh_from_db()
    assert group_buy.status == "confirmed" and group_buy.final_unit_price == D(18)
    line = group_buy.commitments.get(resident=bruno)
    marked = client.post(
        f"/group-buys/{group_buy.pk}/handover/",
        {"commitment": line.pk, "handover": "collected", "back": "distribution"},
    )
    assert marked.status_code == 302 and "/distribution/" in marked["Location"]
    line.refresh_from_db()
    assert line.handover == "collected"
    sheet = client.get(f"/group-buys/{group_buy.pk}/distribution/").content.decode()
    assert "Bruno" in sheet and "☑" in sheet and "☐" in sheet
    # Bruno does not manage Alice's group buy.
    assert as_(dinan, bruno).get(f"/group-buys/{group_buy.pk}/manage/").status_code == 404


STAFF_PERSONAS = ["council_admin", "agent", "communications_officer"]
OTHER_STAFF = ["moderator", "elected_official"]


@pytest.mark.parametrize("role", STAFF_PERSONAS + OTHER_STAFF)
def test_staff_pages_for_each_role(dinan, confirmed, partner, role):
    person = make_user(f"{role}-gb@dinan.example", role)
    client = as_(dinan, person)
    allowed = role in STAFF_PERSONAS
    paths = [
        "/staff/community/group-buys/",
        "/staff/community/group-buys/new/",
        f"/staff/community/group-buys/new/?from={confirmed.pk}",
        *manage_paths("/staff/community/group-buys/", confirmed.pk),
    ]
    for path in paths:
        assert client.get(path).status_code == (200 if allowed else 403), path
    partners_allowed = role in ("council_admin", "communications_officer")
    for path in ("/staff/community/partners/", f"/staff/community/partners/{partner.pk}/"):
        assert client.get(path).status_code == (200 if partners_allowed else 403), path
    dashboard = client.get("/staff/").content.decode()
    assert ("saved by residents in" in dashboard) == allowed


def test_staff_create_duplicate_close_and_mark(dinan, confirmed, agent):
    client = as_(dinan, agent)
    listing = client.get("/staff/community/group-buys/").content.decode()
    assert "Fioul" in listing and "125.00 €" not in listing  # fioul: 10 x (95 - 85) = 100
    assert "100.00 €" in listing
    copy_form = client.get(f"/staff/community/group-buys/new/?from={confirmed.pk}").content
    assert b"Fioul" in copy_form and b"20: 78" in copy_form
    pdf = client.get(f"/staff/community/group-buys/{confirmed.pk}/order.pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF-")
    csv = b"".join(client.get(f"/staff/community/group-buys/{confirmed.pk}/order.csv"))
    assert b"Alice" in csv and b"1 rue de l'Apport" in csv
    line = confirmed.commitments.first()
    response = client.post(
        f"/staff/community/group-buys/{confirmed.pk}/handover/",
        {"commitment": line.pk, "handover": "no_show"},
    )
    assert response.status_code == 302
    line.refresh_from_db()
    assert line.handover == "no_show"
    # Editing a closed group buy is refused.
    assert client.post(f"/staff/community/group-buys/{confirmed.pk}/close/").status_code == 302


def test_staff_edit_keeps_the_maximum_above_the_commitments(dinan, firewood, alice, agent):
    services.commitment_set(user=alice, group_buy=firewood, quantity=D(5))
    client = as_(dinan, agent)
    form = {
        "product": "Bois sec",
        "supplier_name": "Scierie",
        "supplier_siret": "732 829 320 00074",
        "unit": "stere",
        "step": "0.5",
        "retail_price": "95",
        "tiers": "1: 85\n20: 78",
        "minimum_total": "4",
        "maximum_total": "4",
        "household_min": "0.5",
        "household_max": "4",
        "deadline": "2099-01-01T12:00",
        "delivery": "home",
    }
    refused = client.post(f"/staff/community/group-buys/{firewood.pk}/edit/", form)
    assert refused.status_code == 400 and "already committed" in refused.content.decode()
    form["maximum_total"] = "40"
    assert client.post(f"/staff/community/group-buys/{firewood.pk}/edit/", form).status_code == 302
    firewood.refresh_from_db()
    assert firewood.product == "Bois sec" and firewood.supplier_siret == "73282932000074"
    form["supplier_siret"] = "73282932000075"
    bad = client.post(f"/staff/community/group-buys/{firewood.pk}/edit/", form)
    assert bad.status_code == 400 and "SIRET" in bad.content.decode()


def test_api_for_residents(dinan, firewood, alice, partner):
    client = api(as_(dinan), alice)
    assert [b["id"] for b in client.get("/api/v1/community/group-buys/").json()] == [firewood.pk]
    detail = client.get(f"/api/v1/community/group-buys/{firewood.pk}/").json()
    assert detail["progress"]["current_price"] == "85.00"
    url = f"/api/v1/community/group-buys/{firewood.pk}/commitment/"
    first = client.put(
        url, {"quantity": "2"}, content_type="application/json", HTTP_IDEMPOTENCY_KEY="a1"
    )
    again = client.put(
        url, {"quantity": "2"}, content_type="application/json", HTTP_IDEMPOTENCY_KEY="a1"
    )
    assert first.status_code == again.status_code == 200
    assert again["Idempotent-Replayed"] == "true" and again.json()["quantity"] == "2.00"
    firewood.refresh_from_db()
    assert firewood.total_committed == D(2)
    too_much = client.put(url, {"quantity": "7"}, content_type="application/json")
    assert too_much.status_code == 400 and "quantity" in too_much.json()
    assert client.delete(url).json()["quantity"] == "0.00"
    assert client.get("/api/v1/community/partners/").json()[0]["users"] == 0
    used = client.put(f"/api/v1/community/partners/{partner.pk}/use/")
    assert used.json() == {"used": True, "users": 1}
    assert client.get("/api/v1/community/partners/").json()[0]["used"] is True
    assert as_(dinan).get("/api/v1/community/partners/").status_code == 200
    assert as_(dinan).get("/api/v1/community/group-buys/").status_code in (401, 403)
    assert client.get("/api/v1/community/staff/group-buys/").status_code == 403


def _statements(queries) -> list[str]:
    """What a request asked PostgreSQL, less the search path and the test's savepoints."""
    skipped = ("SET search_path", "SAVEPOINT", "RELEASE SAVEPOINT")
    return [q["sql"] for q in queries.captured_queries if not q["sql"].startswith(skipped)]


def test_an_api_commitment_costs_the_token_lookup_and_one_statement(dinan, firewood, alice):
    """The statement checks the resident itself (verified, neighbourhood, open, limits): a
    commitment that goes through, the busiest request of a popular group buy, reads nothing
    first. It made ten queries when each check was a read of its own."""
    client = api(as_(dinan), alice)
    url = f"/api/v1/community/group-buys/{firewood.pk}/commitment/"
    assert client.get(f"/api/v1/community/group-buys/{firewood.pk}/").status_code == 200
    for quantity in ("2", "3.5"):  # the council's host is known (cached) by now
        with CaptureQueriesContext(connection) as queries:
            response = client.put(url, {"quantity": quantity}, content_type="application/json")
        assert response.status_code == 200 and D(response.json()["quantity"]) == D(quantity)
        asked = _statements(queries)
        assert len(asked) == 2 and "authtoken_token" in asked[0], asked
    firewood.refresh_from_db()
    assert firewood.total_committed == D("3.5")


def test_a_sold_out_refusal_costs_no_more_than_a_commitment(dinan, firewood, alice):
    """Near the maximum most refusals are "sold out": the statement's own row says so, with
    what is left, without reading the group buy and the residence again."""
    for resident, quantity in zip(households(12), [D(5)] * 11 + [D(2)], strict=True):
        services.commitment_set(user=resident, group_buy=firewood, quantity=quantity)
    client = api(as_(dinan), alice)
    url = f"/api/v1/community/group-buys/{firewood.pk}/commitment/"
    assert client.get(f"/api/v1/community/group-buys/{firewood.pk}/").status_code == 200
    with CaptureQueriesContext(connection) as queries:
        refused = client.put(url, {"quantity": "5"}, content_type="application/json")
    assert refused.status_code == 400
    assert "Only 3.00 left" in refused.json()["quantity"][0]
    assert len(_statements(queries)) == 2
    assert client.put(url, {"quantity": "3"}, content_type="application/json").status_code == 200
    firewood.refresh_from_db()
    assert firewood.total_committed == firewood.maximum_total == D(60)


def test_an_api_commitment_to_a_group_buy_of_another_neighbourhood_is_404(
    dinan, organiser, alice, bruno
):
    from tests.factories import NeighbourhoodFactory

    old_town = NeighbourhoodFactory(name="Vieille ville")
    elsewhere = buy(organiser, neighbourhoods=[old_town])
    url = f"/api/v1/community/group-buys/{elsewhere.pk}/commitment/"
    put = api(as_(dinan), bruno).put(url, {"quantity": "1"}, content_type="application/json")
    assert put.status_code == 404
    assert api(as_(dinan), bruno).delete(url).status_code == 404
    elsewhere.refresh_from_db()
    assert elsewhere.total_committed == 0


def test_api_for_staff(dinan, confirmed, agent, alice):
    client = api(as_(dinan), agent)
    data = client.get("/api/v1/community/staff/group-buys/").json()
    assert data["saved_this_year"] == "100.00"
    assert data["group_buys"][0]["households"] == 2
    order = client.get(f"/api/v1/community/staff/group-buys/{confirmed.pk}/order/").json()
    assert order["amount"] == "850.00" and len(order["lines"]) == 2
    line = order["lines"][0]["commitment_id"]
    marked = client.post(
        f"/api/v1/community/staff/commitments/{line}/handover/",
        {"handover": "delivered"},
        content_type="application/json",
    )
    assert marked.json() == {"handover": "delivered"}
    closed = client.post(f"/api/v1/community/staff/group-buys/{confirmed.pk}/close/")
    assert closed.json() == {"status": "confirmed"}
    schema = client.get("/api/schema/").content.decode()
    assert "/api/v1/community/group-buys/{id}/commitment/" in schema
    assert "Idempotency-Key" in schema


def test_another_council_sees_nothing(dinan, saint_malo, confirmed, firewood, alice, partner):
    with tenant_context(saint_malo):
        malo_admin = make_user("admin-gb@saint-malo.example", "council_admin")
        malo_resident = make_user("resident-gb@saint-malo.example")
        assert not GroupBuy.objects.exists() and not Partner.objects.exists()
    malo = as_(saint_malo, malo_admin)
    assert "Fioul" not in malo.get("/staff/community/group-buys/").content.decode()
    for path in manage_paths("/staff/community/group-buys/", confirmed.pk):
        assert malo.get(path).status_code == 404, path
    assert malo.get(f"/staff/community/partners/{partner.pk}/").status_code == 404
    resident = as_(saint_malo, malo_resident)
    assert resident.get(f"/group-buys/{firewood.pk}/").status_code == 404
    assert "Bois de chauffage" not in resident.get("/group-buys/").content.decode()
    assert "Repair café" not in resident.get("/partners/").content.decode()
    with tenant_context(saint_malo):
        malo_api = api(as_(saint_malo), malo_resident)
    assert malo_api.get(f"/api/v1/community/group-buys/{firewood.pk}/").status_code == 404
    put = malo_api.put(
        f"/api/v1/community/group-buys/{firewood.pk}/commitment/",
        {"quantity": "1"},
        content_type="application/json",
    )
    assert put.status_code == 404
    with tenant_context(saint_malo):
        staff_api = api(as_(saint_malo), malo_admin)
    assert (
        staff_api.get(f"/api/v1/community/staff/group-buys/{confirmed.pk}/order/").status_code
        == 404
    )
    # Alice's session cookie means nothing in Saint-Malo.
    from http.cookies import SimpleCookie

    at_malo = as_(saint_malo)
    at_malo.cookies = SimpleCookie(as_(dinan, alice).cookies)
    assert at_malo.post(f"/group-buys/{firewood.pk}/", {"quantity": "1"}).status_code in (302, 404)
    firewood.refresh_from_db()
    assert firewood.total_committed == 0


def test_closed_group_buy_stays_visible_to_households_that_took_part(dinan, confirmed, alice):
    page = as_(dinan, alice).get(f"/group-buys/{confirmed.pk}/").content.decode()
    assert "Confirmed at 85.00 € per unit" in page
    expire(confirmed)
    assert as_(dinan).get(f"/group-buys/{confirmed.pk}/").status_code == 404


def test_staff_open_a_group_buy_through_the_api(dinan, firewood, agent, alice):
    payload = {
        "product": "Fioul d'hiver",
        "supplier_name": "Fioul d'Armor",
        "supplier_siret": "73282932000074",
        "unit": "litre",
        "step": "100",
        "retail_price": "1.25",
        "minimum_total": "2000",
        "maximum_total": "20000",
        "household_min": "500",
        "household_max": "3000",
        "deadline": "2099-10-15T18:00:00+02:00",
        "tiers": [
            {"from_quantity": "500", "unit_price": "1.15"},
            {"from_quantity": "5000", "unit_price": "1.08"},
        ],
        "duplicated_from": firewood.pk,
    }
    created = api(as_(dinan), agent).post(
        "/api/v1/community/staff/group-buys/", payload, content_type="application/json"
    )
    assert created.status_code == 201, created.json()
    group_buy = GroupBuy.objects.get(pk=created.json()["id"])
    assert group_buy.duplicated_from == firewood and group_buy.tiers.count() == 2
    bad = api(as_(dinan), agent).post(
        "/api/v1/community/staff/group-buys/",
        {**payload, "tiers": []},
        content_type="application/json",
    )
    assert bad.status_code == 400 and "tiers" in bad.json()
    refused = api(as_(dinan), alice).post(
        "/api/v1/community/staff/group-buys/", payload, content_type="application/json"
    )
    assert refused.status_code == 403


def test_staff_edit_a_group_buy_through_the_api(dinan, saint_malo, firewood, alice, agent):
    from core.models import AuditEntry
    from tests.factories import NeighbourhoodFactory

    services.commitment_set(user=alice, group_buy=firewood, quantity=D(5))
    old_town = NeighbourhoodFactory(name="Vieille ville")
    services.group_buy_update(
        acting=agent, group_buy=firewood, tiers=selectors_tiers(firewood), neighbourhoods=[old_town]
    )
    url = f"/api/v1/community/staff/group-buys/{firewood.pk}/"
    client = api(as_(dinan), agent)
    assert client.get(url).json()["product"] == "Bois de chauffage"
    changed = client.patch(
        url,
        {"product": "Bois sec", "maximum_total": "40", "supplier_siret": "73282932000074"},
        content_type="application/json",
    )
    assert changed.status_code == 200, changed.json()
    assert changed.json()["product"] == "Bois sec" and changed.json()["maximum_total"] == "40.00"
    firewood.refresh_from_db()
    assert firewood.product == "Bois sec" and firewood.maximum_total == D(40)
    # What the PATCH left out stays: tiers, neighbourhoods, the other fields.
    assert [(t.from_quantity, t.unit_price) for t in firewood.tiers.all()] == TIERS
    assert list(firewood.neighbourhoods.all()) == [old_town]
    assert firewood.household_max == D(5) and firewood.supplier_name == "Scierie du Jerzual"
    entry = AuditEntry.objects.filter(action="community.group_buy_update").latest("pk")
    assert entry.actor_id == agent.pk and entry.target_id == str(firewood.pk)
    assert entry.before["product"] == "Bois de chauffage" and entry.after["product"] == "Bois sec"
    tiers = client.patch(
        url,
        {"tiers": [{"from_quantity": "1", "unit_price": "80"}]},
        content_type="application/json",
    )
    assert tiers.status_code == 200 and [t["unit_price"] for t in tiers.json()["tiers"]] == [
        "80.00"
    ]
    # The form's checks, from the same service.
    for bad, field in (
        ({"maximum_total": "4", "minimum_total": "2"}, "maximum_total"),  # 5 committed
        ({"supplier_siret": "73282932000075"}, "supplier_siret"),
        ({"household_min": "6"}, "household_max"),
        ({"step": "0.3"}, "minimum_total"),
        ({"tiers": []}, "tiers"),
    ):
        refused = client.patch(url, bad, content_type="application/json")
        assert refused.status_code == 400 and field in refused.json(), (bad, refused.json())
    firewood.refresh_from_db()
    assert firewood.maximum_total == D(40) and firewood.household_min == D("0.5")
    # A resident and staff without a group-buy role: 403.
    for person in (alice, make_user("moderator-patch@dinan.example", "moderator")):
        response = api(as_(dinan), person).patch(
            url, {"product": "x"}, content_type="application/json"
        )
        assert response.status_code == 403
    # Another council's staff: the id is nobody's there.
    with tenant_context(saint_malo):
        malo_admin = make_user("admin-patch@saint-malo.example", "council_admin")
        malo = api(as_(saint_malo), malo_admin)
    assert malo.get(url).status_code == 404
    assert malo.patch(url, {"product": "x"}, content_type="application/json").status_code == 404
    firewood.refresh_from_db()
    assert firewood.product == "Bois sec"
    # A closed group buy is not edited.
    expire(firewood)
    services.group_buys_close_due()
    closed = client.patch(url, {"product": "y"}, content_type="application/json")
    assert closed.status_code == 400


def selectors_tiers(group_buy):
    from community.group_buys import selectors

    return selectors.tiers_of(group_buy)
