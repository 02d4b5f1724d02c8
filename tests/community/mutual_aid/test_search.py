"""Browse and search: PostgreSQL French full-text search with unaccent, and the filters."""

from decimal import Decimal

from community.mutual_aid import selectors
from community.mutual_aid.selectors import ListingFilters

from .conftest import category, post


def _titles(user, **filters):
    return {li.title for li in selectors.listings_browse(user, ListingFilters(**filters))}


def test_search_matches_across_accents_and_french_word_forms(alice, bruno):
    post(alice, title="Réparation de vélos", description="Chambres à air, freins.")
    post(bruno, title="Prêt d'une tondeuse", description="Tondeuse électrique.", code="lending")
    assert _titles(alice, query="reparer velo") == {"Réparation de vélos"}
    assert _titles(alice, query="RÉPARATIONS") == {"Réparation de vélos"}
    assert _titles(alice, query="frein") == {"Réparation de vélos"}
    assert _titles(alice, query="tondeuses electriques") == {"Prêt d'une tondeuse"}
    assert _titles(alice, query="piano") == set()


def test_search_through_the_page_and_the_api(alice, client_dinan):
    post(alice, title="Réparation de vélos")
    post(alice, title="Garde de chats", code="plants-pets")
    page = client_dinan.get("/mutual-aid/", {"q": "reparer velo"}).content.decode()
    assert "Réparation de vélos" in page and "Garde de chats" not in page
    api = client_dinan.get("/api/v1/community/mutual-aid/listings/", {"q": "reparer velo"}).json()
    assert [li["title"] for li in api] == ["Réparation de vélos"]


def test_filters_by_kind_category_neighbourhood_and_compensation(alice, chloe, hoods):
    post(alice, title="Offre gratuite")
    post(alice, title="Demande payée", kind="request", compensation="hour", amount=Decimal(8))
    post(chloe, title="Cours d'anglais", code="tutoring")
    assert _titles(alice, kind="request") == {"Demande payée"}
    assert _titles(alice, category=category("tutoring")) == {"Cours d'anglais"}
    assert _titles(alice, neighbourhood=hoods["east"]) == {"Cours d'anglais"}
    assert _titles(alice, free="paid") == {"Demande payée"}
    assert _titles(alice, free="free") == {"Offre gratuite", "Cours d'anglais"}


def test_reach_decides_which_neighbourhoods_a_listing_reaches(alice, chloe, hoods):
    from tests.community.mutual_aid.conftest import verified_in

    far_away = verified_in("erwan@example.org", hoods["far"], "Erwan Morvan")
    post(alice, title="Quartier seulement", reach="neighbourhood")
    post(alice, title="Quartiers voisins", reach="neighbouring")
    post(alice, title="Toute la commune", reach="council")
    assert _titles(chloe, for_me=True) == {"Quartiers voisins", "Toute la commune"}
    assert _titles(far_away, for_me=True) == {"Toute la commune"}
    assert _titles(alice, for_me=True) == {
        "Quartier seulement",
        "Quartiers voisins",
        "Toute la commune",
    }


def test_map_counts_listings_by_neighbourhood(alice, chloe, client_dinan):
    post(alice)
    post(alice, title="Deuxième")
    post(chloe)
    data = client_dinan.get("/mutual-aid/map/", {"format": "geojson"}).json()
    counts = {f["properties"]["name"]: f["properties"]["count"] for f in data["features"]}
    assert counts == {"Centre": 2, "Est": 1, "Léhon": 0}
    page = client_dinan.get("/mutual-aid/map/").content.decode()
    assert "Centre" in page and "Poissonnerie" not in page


def test_the_next_page_keeps_the_search(alice, bruno, chloe, client_dinan):
    for n in range(21):  # one more than a page
        post((alice, bruno, chloe)[n % 3], title=f"Vélo numéro {n}")
    post(alice, title="Piano à donner")
    first = client_dinan.get("/mutual-aid/", {"q": "velo"}).content.decode()
    assert "Piano" not in first
    assert "?q=velo&amp;page=2" in first or "?q=velo&page=2" in first
