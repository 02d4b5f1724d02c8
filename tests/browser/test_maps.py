"""Maps without a tile server (the suite's server has none): the council's neighbourhoods are
drawn and named, and a click inside one puts the pin, and the coordinates, inside it."""

import re

from playwright.sync_api import expect

from community.demo import NEIGHBOURHOODS
from community.geo import area_contains

from .conftest import SLUG

AREAS = dict(NEIGHBOURHOODS["dinan"])  # the browser council has Dinan's neighbourhoods


def test_a_click_in_a_named_neighbourhood_places_the_pin_inside_it(ui):
    page = ui.page
    ui.login(f"alice@{SLUG}.example", next_path="/reports/new/?category=pothole")
    svg = page.locator(".civic-map svg[role=img]")
    label = svg.get_attribute("aria-label")
    assert label.startswith("Map of the neighbourhoods: ")
    assert all(name in label for name in AREAS), label
    for name in AREAS:
        assert page.locator(".civic-map .area-label", has_text=name).is_visible()

    box = page.locator('.civic-map path[data-area="Léhon"]').bounding_box()
    # Off-centre, so the click lands on the area and not under the name's label.
    page.mouse.click(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.7)
    lat = float(page.locator("#id_latitude").input_value())
    lon = float(page.locator("#id_longitude").input_value())
    assert area_contains(AREAS["Léhon"], lon=lon, lat=lat), (lat, lon)
    assert not area_contains(AREAS["Centre historique"], lon=lon, lat=lat)
    assert page.locator(".civic-map .leaflet-marker-icon").count() == 1
    assert re.match(
        r"^Point placed: 48\.\d+, -2\.\d+$", page.locator("#civic-map-point").inner_text()
    )
    ui.check()  # axe again, with the pin on the map


def test_the_address_map_writes_the_neighbourhood_names(ui):
    page = ui.page
    ui.login(f"bruno@{SLUG}.example", next_path="/verify/address/")
    names = page.locator("#neighbourhood-map text.area-name").all_text_contents()
    assert sorted(names) == sorted(AREAS)


def test_typing_an_address_moves_the_pin_to_it(ui, in_council):
    from core import demo
    from core.addresses import addresses_import
    from core.models import Address

    # Dinan's demo addresses, in the browser council that has Dinan's neighbourhoods.
    with demo.address_file("dinan").open(encoding="utf-8") as lines:
        addresses_import(lines=lines)
    lainerie = Address.objects.get(street="Rue de la Lainerie", number="12")
    page = ui.page
    ui.login(f"chloe@{SLUG}.example", next_path="/reports/new/?category=pothole")
    page.get_by_label("Address or place").press_sequentially("12 rue de la lainerie", delay=20)
    expect(page.locator("#civic-map-point")).to_have_text(
        "Pin moved to: 12 Rue de la Lainerie 22100 Dinan"
    )
    lat = float(page.locator("#id_latitude").input_value())
    lon = float(page.locator("#id_longitude").input_value())
    assert (round(lat, 6), round(lon, 6)) == (lainerie.latitude, lainerie.longitude)
    assert area_contains(AREAS["Centre historique"], lon=lon, lat=lat)
    # The other matches are offered; choosing one moves the pin again.
    other = page.locator("#civic-address-results button").first
    label = other.inner_text()
    other.click()
    assert page.get_by_label("Address or place").input_value() == label
    assert (
        float(page.locator("#id_latitude").input_value()) != lat
        or float(page.locator("#id_longitude").input_value()) != lon
    )
    ui.check()
