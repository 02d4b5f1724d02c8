"""Demo data of the shared core for `manage.py load_demo`: the demo councils' addresses for the
offline geocoder, so that typing "12 rue de la Lainerie" on Dinan's report form moves the pin.

The files (`demo_addresses/adresses-<slug>.csv`) are in the national address base's CSV format
with real street names of Dinan (with Léhon) and Saint-Malo; their numbers and points are made
up for the demo, laid along each street inside the demo neighbourhoods (community/demo.py), not
copied from the BAN. Idempotent: importing again updates the same rows."""

from pathlib import Path

from tenants.models import Council

from .addresses import addresses_import

FILES = Path(__file__).resolve().parent / "demo_addresses"


def address_file(slug: str) -> Path:
    return FILES / f"adresses-{slug}.csv"


def load(council: Council) -> None:
    path = address_file(council.slug)
    if path.is_file():
        with path.open(encoding="utf-8", newline="") as lines:
            addresses_import(lines=lines)
