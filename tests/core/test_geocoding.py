"""Address search: the BAN CSV import, the offline trigram search, the BAN API backend (against a
local server speaking its protocol), the endpoint the maps call, and reports sent with an
address alone."""

import io
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django_tenants.utils import schema_context

from core import demo
from core.addresses import BadHeader, addresses_import
from core.geocoding import (
    BanGeocoder,
    GeocodingUnavailable,
    OfflineGeocoder,
    geocode_first,
    normalize,
)
from core.models import Address
from tests.conftest import CouncilClient, make_user

HEADER = (
    "id;id_fantoir;numero;rep;nom_voie;code_postal;code_insee;nom_commune;"
    "code_insee_ancienne_commune;nom_ancienne_commune;x;y;lon;lat;type_position;alias;nom_ld;"
    "libelle_acheminement;nom_afnor;source_position;source_nom_voie;certification_commune;"
    "cad_parcelles"
)


def row(ban_id, number, street, lon, lat, rep="", postcode="22100", city="Dinan"):
    return (
        f"{ban_id};22050_0570;{number};{rep};{street};{postcode};22050;{city};;;;;"
        f"{lon};{lat};entrée;;;DINAN;X;commune;commune;1;"
    )


GOOD = [
    row("22050_0570_00012", 12, "Rue de la Lainerie", -2.0412, 48.4535),
    row("22050_0570_00012_bis", 12, "Rue de la Lainerie", -2.0413, 48.4536, rep="bis"),
    row("22050_0570_00120", 120, "Rue de la Lainerie", -2.0420, 48.4540),
    row("22050_0570_00002", 2, "Rue de la Lainerie", -2.0410, 48.4533),
    row("22050_0600_00012", 12, "Rue de la Laiterie", -2.0480, 48.4560),
    row("22050_0700_00005", 5, "Rue de l'Église", -2.0450, 48.4550),
    row("22050_0800_00003", 3, "Rue de Léhon", -2.0440, 48.4450),
]


def csv_lines(*rows: str) -> io.StringIO:
    return io.StringIO("\n".join([HEADER, *rows]) + "\n")


@pytest.fixture
def addresses(in_dinan):
    result = addresses_import(lines=csv_lines(*GOOD))
    assert (result.created, result.updated, result.errors) == (len(GOOD), 0, [])
    return result


# --- import --------------------------------------------------------------------------------------


def test_import_writes_the_addresses_with_a_searchable_text(addresses):
    lainerie = Address.objects.get(ban_id="22050_0570_00012")
    assert (lainerie.number, lainerie.street, lainerie.postcode, lainerie.city) == (
        "12",
        "Rue de la Lainerie",
        "22100",
        "Dinan",
    )
    assert (lainerie.latitude, lainerie.longitude) == (48.4535, -2.0412)
    assert lainerie.label == "12 Rue de la Lainerie 22100 Dinan"
    assert lainerie.search_text == "12 rue de la lainerie 22100 dinan"
    assert Address.objects.get(ban_id="22050_0700_00005").search_text.startswith(
        "5 rue de l eglise"
    )
    assert Address.objects.get(ban_id="22050_0570_00012_bis").number == "12 bis"


def test_bad_lines_are_reported_with_their_line_numbers_and_the_rest_is_written(in_dinan):
    lines = csv_lines(
        GOOD[0],
        row("22050_0570_00014", 14, "", -2.04, 48.45),  # line 3: no street
        row("22050_0570_00016", 16, "Rue de la Lainerie", "east", 48.45),  # line 4
        row("22050_0570_00018", "18x", "Rue de la Lainerie", -2.04, 48.45),  # line 5
        row("22050_0570_00020", 20, "Rue de la Lainerie", -2.04, 91),  # line 6: off the Earth
        GOOD[3] + ";extra",  # line 7: more fields than the header
        GOOD[2],
    )
    result = addresses_import(lines=lines)
    assert [line for line, _problem in result.errors] == [3, 4, 5, 6, 7]
    assert "nom_voie" in result.errors[0][1] and "lon/lat" in result.errors[1][1]
    assert result.created == 2
    assert set(Address.objects.values_list("ban_id", flat=True)) == {
        "22050_0570_00012",
        "22050_0570_00120",
    }


def test_importing_the_same_file_again_adds_nothing_and_updates_what_moved(addresses):
    moved = [GOOD[0].replace("48.4535", "48.4537"), *GOOD[1:]]
    again = addresses_import(lines=csv_lines(*moved))
    assert (again.created, again.updated, again.errors) == (0, len(GOOD), [])
    assert Address.objects.count() == len(GOOD)
    assert Address.objects.get(ban_id="22050_0570_00012").latitude == 48.4537


def test_a_file_that_is_not_a_ban_file_is_refused_whole(in_dinan):
    with pytest.raises(BadHeader, match="lon"):
        addresses_import(lines=io.StringIO("id;numero;nom_voie\n1;2;Rue\n"))
    assert not Address.objects.exists()


def test_the_command_imports_into_the_council_named_and_lists_refused_lines(
    dinan, saint_malo, tmp_path, capsys
):
    path = tmp_path / "adresses-22050.csv"
    path.write_text("\n".join([HEADER, GOOD[0], row("x", 1, "", 0, 0)]) + "\n", encoding="utf-8")
    call_command("import_addresses", str(path), council="dinan")
    out, err = capsys.readouterr()
    assert "1 addresses added, 0 updated, 1 lines refused" in out
    assert "line 3: empty nom_voie" in err
    with schema_context("dinan"):
        assert Address.objects.count() == 1
    with schema_context("saint_malo"):
        assert not Address.objects.exists()
    with pytest.raises(CommandError, match="No council"):
        call_command("import_addresses", str(path), council="nowhere")


# --- offline search ------------------------------------------------------------------------------


def test_the_exact_address_comes_first_before_other_numbers_and_similar_streets(addresses):
    found = OfflineGeocoder().search("12 rue de la lainerie")
    assert found[0].label == "12 Rue de la Lainerie 22100 Dinan"
    assert (found[0].latitude, found[0].longitude) == (48.4535, -2.0412)
    labels = [r.label for r in found]
    assert labels.index("12 bis Rue de la Lainerie 22100 Dinan") > 0
    assert "12 Rue de la Laiterie 22100 Dinan" not in labels[:2]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("12 RUE DE LA LAINERIE", "12 Rue de la Lainerie 22100 Dinan"),
        ("rue de l'eglise", "5 Rue de l'Église 22100 Dinan"),
        ("Rue de l'Église", "5 Rue de l'Église 22100 Dinan"),
        ("3 rue de lehon", "3 Rue de Léhon 22100 Dinan"),
        ("lainerie 120", "120 Rue de la Lainerie 22100 Dinan"),
    ],
)
def test_search_ignores_case_accents_and_punctuation(addresses, query, expected):
    assert OfflineGeocoder().search(query)[0].label == expected


def test_nothing_close_finds_nothing(addresses):
    assert OfflineGeocoder().search("avenue des champs elysees paris") == []
    assert OfflineGeocoder().search("12") == []  # too short to mean anything


def test_normalize_strips_accents_case_and_punctuation():
    assert normalize("  Rue de l'Église-Saint-Malo ") == "rue de l eglise saint malo"
    assert normalize("ŒUVRE Ç") == "oeuvre c"


def test_the_demo_files_find_their_streets(dinan, saint_malo):
    with schema_context("dinan"):
        demo.load(dinan)
        demo.load(dinan)  # idempotent
        assert (
            Address.objects.count()
            == sum(1 for _ in demo.address_file("dinan").open(encoding="utf-8")) - 1
        )
        assert OfflineGeocoder().search("12 rue de la Lainerie")[0].label == (
            "12 Rue de la Lainerie 22100 Dinan"
        )
    with schema_context("saint_malo"):
        demo.load(saint_malo)
        assert OfflineGeocoder().search("9 rue broussais")[0].label == (
            "9 Rue Broussais 35400 Saint-Malo"
        )


# --- the BAN backend, against a local server speaking its protocol -------------------------------


class FakeBan:
    """`GET /search/?q=…`: a GeoJSON FeatureCollection as api-adresse.data.gouv.fr answers."""

    def __init__(self, status: int = 200, body: bytes | None = None, delay: float = 0):
        self.queries: list[dict[str, list[str]]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                fake.queries.append(parse_qs(urlsplit(self.path).query))
                if delay:
                    threading.Event().wait(delay)
                answer = body if body is not None else json.dumps(fake.answer()).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/search/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def answer(self) -> dict:
        q = self.queries[-1]["q"][0]
        return {
            "type": "FeatureCollection",
            "version": "draft",
            "features": [
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [-2.041239, 48.453458]},
                    "properties": {
                        "label": "12 Rue de la Lainerie 22100 Dinan",
                        "score": 0.9712,
                        "housenumber": "12",
                        "id": "22050_0570_00012",
                        "name": "12 Rue de la Lainerie",
                        "postcode": "22100",
                        "citycode": "22050",
                        "city": "Dinan",
                        "type": "housenumber",
                    },
                }
            ],
            "query": q,
        }

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake_ban():
    server = FakeBan()
    yield server
    server.close()


def test_ban_backend_asks_the_api_and_reads_its_geojson(fake_ban):
    found = BanGeocoder(url=fake_ban.url).search("12 rue de la lainerie", near=(48.45, -2.05))
    assert fake_ban.queries == [
        {"q": ["12 rue de la lainerie"], "limit": ["5"], "lat": ["48.45"], "lon": ["-2.05"]}
    ]
    assert len(found) == 1
    assert found[0].label == "12 Rue de la Lainerie 22100 Dinan"
    assert (found[0].latitude, found[0].longitude) == (48.453458, -2.041239)
    assert (found[0].score, found[0].postcode, found[0].city) == (0.971, "22100", "Dinan")


def test_ban_backend_spends_no_request_on_a_query_the_api_refuses(fake_ban):
    assert BanGeocoder(url=fake_ban.url).search("12") == []
    assert fake_ban.queries == []


@pytest.mark.parametrize(
    "server",
    [
        {"status": 500, "body": b"oops"},
        {"status": 200, "body": b"not json"},
        {"status": 200, "body": b'{"features": [{"geometry": null}]}'},
        {"status": 200, "body": b"{}", "delay": 1.5},
    ],
    ids=["error", "not-json", "not-geojson", "timeout"],
)
def test_ban_backend_down_or_answering_nonsense_is_unavailable_not_empty(server, settings):
    fake = FakeBan(**server)
    try:
        with pytest.raises(GeocodingUnavailable):
            BanGeocoder(url=fake.url, timeout=0.5).search("12 rue de la lainerie")
        settings.GEOCODER_BACKEND = "ban"
        settings.GEOCODER_BAN_URL = fake.url
        settings.GEOCODER_TIMEOUT = 0.5
        assert geocode_first("12 rue de la lainerie") is None
    finally:
        fake.close()


def test_the_backend_is_chosen_by_the_setting(fake_ban, addresses, settings):
    settings.GEOCODER_BACKEND = "ban"
    settings.GEOCODER_BAN_URL = fake_ban.url
    assert geocode_first("5 rue de l'eglise").label == "12 Rue de la Lainerie 22100 Dinan"
    settings.GEOCODER_BACKEND = "offline"
    assert geocode_first("5 rue de l'eglise").label == "5 Rue de l'Église 22100 Dinan"


# --- the endpoint --------------------------------------------------------------------------------

PERSONAS = [None, "resident", "council_admin", "moderator", "agent", "elected_official"]


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_persona_searches_the_councils_addresses(dinan, addresses, persona, request):
    client = CouncilClient(dinan)
    if persona:
        client.login_as(request.getfixturevalue(persona))
    response = client.get("/addresses/search.json", {"q": "12 rue de la lainerie", "limit": 2})
    assert response.status_code == 200
    results = response.json()["results"]
    assert len(results) == 2
    assert results[0] == {
        "label": "12 Rue de la Lainerie 22100 Dinan",
        "latitude": 48.4535,
        "longitude": -2.0412,
        "score": 1.0,
        "postcode": "22100",
        "city": "Dinan",
    }


def test_another_councils_addresses_are_not_searched(dinan, saint_malo, addresses, outsider):
    with schema_context("saint_malo"):
        addresses_import(
            lines=csv_lines(
                row("35288_1000_00009", 9, "Rue Broussais", -2.025, 48.649, "35400", "Saint-Malo")
            )
        )
    malo = CouncilClient(saint_malo).login_as(outsider)
    found = malo.get("/addresses/search.json", {"q": "12 rue de la lainerie"}).json()["results"]
    assert found == []
    assert malo.get("/addresses/search.json", {"q": "9 rue broussais"}).json()["results"]
    dinan_found = CouncilClient(dinan).get("/addresses/search.json", {"q": "9 rue broussais"})
    assert dinan_found.json()["results"] == []


def test_searches_are_rate_limited_per_client(dinan, addresses, resident, settings):
    settings.GEOCODER_SEARCHES_PER_MINUTE = 3
    client = CouncilClient(dinan).login_as(resident)
    statuses = [
        client.get("/addresses/search.json", {"q": "lainerie"}).status_code for _ in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    # Another resident has their own count.
    other = CouncilClient(dinan).login_as(make_user("other@example.org"))
    assert other.get("/addresses/search.json", {"q": "lainerie"}).status_code == 200


def test_a_geocoder_down_answers_503_with_a_message(dinan, settings):
    down = FakeBan(status=500, body=b"")
    settings.GEOCODER_BACKEND = "ban"
    settings.GEOCODER_BAN_URL = down.url
    try:
        response = CouncilClient(dinan).get("/addresses/search.json", {"q": "12 rue du port"})
    finally:
        down.close()
    assert response.status_code == 503
    assert response.json() == {
        "results": [],
        "error": "Address search is unavailable; use the map.",
    }


def test_hostile_parameters_are_ignored(dinan, addresses):
    client = CouncilClient(dinan)
    for params in (
        {"q": "x" * 5000},
        {"q": "lainerie", "lat": "nan", "lon": "1e999"},
        {"q": "lainerie", "limit": "-4"},
        {"q": "lainerie", "limit": "99999999999999999999"},
    ):
        assert client.get("/addresses/search.json", params).status_code == 200, params
