"""Maps that show the place: every map carries the council's neighbourhoods with their names
(the only landmarks when no tile server is configured), and a configured tile server is the one
image origin the Content-Security-Policy adds."""

import json
import re

import pytest

from community.models import Neighbourhood
from tests.conftest import CouncilClient

from .conftest import DINAN
from .test_pages_and_api import _report

CENTRE = {
    "type": "Polygon",
    "coordinates": [
        [[-2.052, 48.452], [-2.040, 48.452], [-2.040, 48.458], [-2.052, 48.458], [-2.052, 48.452]]
    ],
}
LEHON = {
    "type": "Polygon",
    "coordinates": [
        [[-2.052, 48.440], [-2.035, 48.440], [-2.035, 48.452], [-2.052, 48.452], [-2.052, 48.440]]
    ],
}
IGN = (
    "https://data.geopf.fr/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
    "&LAYER=GEOGRAPHICALGRIDSYSTEMS.PLANIGNV2&STYLE=normal&TILEMATRIXSET=PM&FORMAT=image/png"
    "&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}"
)


def _map_config(response) -> dict:
    assert response.status_code == 200, response.status_code
    found = re.search(
        r'<script id="civic-map-config" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    assert found, "no map configuration on the page"
    return json.loads(found.group(1))


def _img_src(response) -> str:
    header = response["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in header.split(";"))["img-src"]


@pytest.fixture
def areas(in_dinan):
    Neighbourhood.objects.create(name="Centre historique", area=CENTRE)
    Neighbourhood.objects.create(name="Léhon", area=LEHON)
    # A neighbourhood without a drawn area cannot be drawn: it is left out, not an error.
    Neighbourhood.objects.create(name="Hameaux", area=None)


@pytest.fixture
def map_pages(areas, resident, moderator, pothole):
    report = _report(resident, pothole)
    return [
        (resident, "/reports/new/?category=pothole"),
        (None, "/reports/map/"),
        (None, f"/reports/{report.pk}/"),
        (moderator, "/staff/civic/map/"),
        (moderator, f"/staff/civic/reports/{report.pk}/"),
    ]


def test_every_map_holds_the_neighbourhoods_and_their_names_without_a_tile_server(
    dinan, map_pages, settings
):
    settings.COMMUNE_MAP_TILE_URL = ""
    for user, path in map_pages:
        client = CouncilClient(dinan)
        if user is not None:
            client.login_as(user)
        response = client.get(path)
        config = _map_config(response)
        assert config["tiles"] == "", path
        assert config["areas"] == [
            {"name": "Centre historique", "area": CENTRE},
            {"name": "Léhon", "area": LEHON},
        ], path
        # The name the map's SVG is given, with the names filled in by the script.
        assert "Map of the neighbourhoods: %(names)s" in response.content.decode(), path
        # No tile server, no outside image origin.
        assert _img_src(response) == "'self' data: blob:", path


def test_a_configured_tile_server_reaches_the_map_and_the_policy(dinan, map_pages, settings):
    settings.COMMUNE_MAP_TILE_URL = IGN
    settings.COMMUNE_MAP_ATTRIBUTION = "© IGN"
    settings.COMMUNE_MAP_MAX_ZOOM = 18
    user, path = map_pages[0]
    response = CouncilClient(dinan).login_as(user).get(path)
    config = _map_config(response)
    assert config["tiles"] == IGN
    assert config["attribution"] == "© IGN" and config["max_zoom"] == 18
    # The outlines are drawn over the tiles too.
    assert [a["name"] for a in config["areas"]] == ["Centre historique", "Léhon"]
    assert _img_src(response) == "'self' data: blob: https://data.geopf.fr"


def test_the_address_page_draws_the_neighbourhoods_with_their_names(dinan, areas, resident):
    body = CouncilClient(dinan).login_as(resident).get("/verify/address/").content.decode()
    found = re.search(
        r'<script id="neighbourhood-areas" type="application/json">(.*?)</script>', body, re.S
    )
    assert [a["name"] for a in json.loads(found.group(1))] == ["Centre historique", "Léhon"]
    assert 'id="neighbourhood-map" role="img" aria-label="Map of the neighbourhoods"' in body


def test_a_point_of_the_demo_centre_is_inside_the_drawn_centre(areas):
    """The fixture's areas are the ones the pages draw (guards the browser test's geometry)."""
    from community.services import neighbourhood_for_point

    assert neighbourhood_for_point(lon=DINAN[1], lat=DINAN[0]).name == "Centre historique"


# --- reports sent with an address alone ----------------------------------------------------------


def test_a_report_with_an_address_alone_gets_the_geocoders_point(dinan, areas, resident, pothole):
    from core.addresses import addresses_import
    from tests.core.test_geocoding import GOOD, csv_lines

    addresses_import(lines=csv_lines(*GOOD))
    report = _report_without_point(resident, pothole, "12, rue de la Lainerie")
    assert (report.latitude, report.longitude) == (48.4535, -2.0412)
    assert report.address == "12, rue de la Lainerie"  # as typed
    assert report.neighbourhood.name == "Centre historique"
    # On the public map like any report with a point.
    features = CouncilClient(dinan).get("/reports.geojson").json()["features"]
    assert [f["geometry"]["coordinates"] for f in features] == [[-2.0412, 48.4535]]


def test_an_address_the_geocoder_cannot_find_keeps_the_report_without_a_point(
    resident, pothole, settings
):
    report = _report_without_point(resident, pothole, "Behind the old mill")
    assert (report.latitude, report.longitude, report.neighbourhood) == (None, None, None)
    # The national base down: the report is saved all the same.
    settings.GEOCODER_BACKEND = "ban"
    settings.GEOCODER_BAN_URL = "http://127.0.0.1:9/search/"  # nothing listens on port 9
    report = _report_without_point(resident, pothole, "12 rue de la Lainerie")
    assert report.pk and report.latitude is None


def _report_without_point(resident, category, address):
    from civic import services

    return services.issue_report_create(
        reporter=resident,
        category=category,
        title="Hole",
        description="A deep hole",
        address=address,
        answers={"depth": 4},
    )


# --- the GeoJSON feeds (read as tuples, one reverse per response) -------------------------------


def test_geojson_features_say_what_the_report_pages_say(
    dinan, resident, pothole, moderator, settings, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    from civic import services
    from civic.models import IssueReport

    hidden = _report(resident, pothole, title="Rude title")
    with django_capture_on_commit_callbacks(execute=True):
        services.report_text_hide(report=hidden, actor=moderator, reason="Insults")
    late = _report(resident, pothole, title="Old hole")
    IssueReport.objects.filter(pk=late.pk).update(due_at=timezone.now() - timedelta(days=1))

    public = {
        f["id"]: f["properties"]
        for f in CouncilClient(dinan).get("/reports.geojson").json()["features"]
    }
    assert public[hidden.pk]["title"] == "Pothole"  # the category's name, never the hidden text
    assert public[late.pk]["title"] == "Old hole"
    assert public[late.pk]["overdue"] is True and public[hidden.pk]["overdue"] is False
    assert public[late.pk]["url"] == f"/reports/{late.pk}/"
    assert public[late.pk]["status_label"] == "Submitted" and public[late.pk]["open"] is True
    french = CouncilClient(dinan, language="fr").get("/reports.geojson").json()["features"]
    assert {f["properties"]["category"] for f in french} == {"Nid-de-poule"}

    staff = CouncilClient(dinan).login_as(moderator).get("/staff/civic/queue.geojson").json()
    by_id = {f["id"]: f["properties"] for f in staff["features"]}
    assert by_id[hidden.pk]["title"] == "Rude title"  # staff see what was written
    assert by_id[hidden.pk]["url"] == f"/staff/civic/reports/{hidden.pk}/"
