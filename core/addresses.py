"""Loading the council's addresses for the offline geocoder from the national address base
(BAN): the `adresses-<commune>.csv` files, semicolon separated, one address a line:

    id;id_fantoir;numero;rep;nom_voie;code_postal;code_insee;nom_commune;…;lon;lat;…

Columns are found by name in the header, so extra or reordered columns do not matter. A line
that cannot be used is reported with its line number and skipped; the others are written. Rows
are keyed by the BAN's `id`: importing the same file again updates them and adds nothing.
"""

import csv
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice

from django.db import transaction

from .geocoding import normalize
from .models import Address

REQUIRED_COLUMNS = ("id", "numero", "nom_voie", "code_postal", "code_insee", "nom_commune")
POINT_COLUMNS = ("lon", "lat")
BATCH_SIZE = 1000
UPDATED_FIELDS = [
    "number",
    "street",
    "postcode",
    "city",
    "insee_code",
    "latitude",
    "longitude",
    "search_text",
]


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line number, problem)


class BadHeader(ValueError):
    """The file is not a BAN address file (a required column is missing)."""


def _float(raw: str, low: float, high: float) -> float | None:
    try:
        value = float(raw)
    except ValueError:
        return None
    return value if math.isfinite(value) and low <= value <= high else None


def _address(row: dict[str, str]) -> Address:
    """One CSV row as an unsaved Address; ValueError says what is wrong with it."""
    values = {key: (row.get(key) or "").strip() for key in row if key}
    missing = [c for c in ("id", "nom_voie", "code_postal", "nom_commune") if not values.get(c)]
    if missing:
        raise ValueError(f"empty {', '.join(missing)}")
    lon = _float(values.get("lon", ""), -180, 180)
    lat = _float(values.get("lat", ""), -90, 90)
    if lon is None or lat is None:
        raise ValueError("no valid lon/lat")
    number = values.get("numero", "")
    if number and not number.isdigit():
        raise ValueError(f"bad numero {number[:20]!r}")
    # 99999 is the BAN's number of a place without one (lieu-dit).
    number = "" if number in ("", "99999") else f"{int(number)} {values.get('rep', '')}".strip()
    street, postcode, city = values["nom_voie"], values["code_postal"], values["nom_commune"]
    too_long = [
        name
        for name, value, limit in (
            ("id", values["id"], 64),
            ("nom_voie", street, 200),
            ("code_postal", postcode, 10),
            ("nom_commune", city, 100),
            ("code_insee", values.get("code_insee", ""), 5),
            ("numero+rep", number, 16),
        )
        if len(value) > limit
    ]
    if too_long:
        raise ValueError(f"too long: {', '.join(too_long)}")
    address = Address(
        ban_id=values["id"],
        number=number,
        street=street,
        postcode=postcode,
        city=city,
        insee_code=values.get("code_insee", ""),
        latitude=lat,
        longitude=lon,
    )
    address.search_text = normalize(address.label)[:320]
    return address


def _rows(lines: Iterable[str], result: ImportResult) -> Iterator[Address]:
    reader = csv.DictReader(lines, delimiter=";")
    header = reader.fieldnames or []
    missing = [c for c in (*REQUIRED_COLUMNS, *POINT_COLUMNS) if c not in header]
    if missing:
        raise BadHeader(f"not a BAN address file: no column {', '.join(missing)}")
    for row in reader:
        line = reader.line_num
        if None in row:  # more fields than the header has
            result.errors.append((line, "more fields than the header"))
            continue
        try:
            yield _address(row)
        except ValueError as error:
            result.errors.append((line, str(error)))


def addresses_import(*, lines: Iterable[str]) -> ImportResult:
    """Write the addresses of a BAN CSV (text lines, header first) into the current council's
    table, in batches; returns how many were created and updated and the refused lines. A file
    whose header is not the BAN's raises BadHeader and writes nothing."""
    result = ImportResult()
    rows = _rows(lines, result)
    while batch := list(islice(rows, BATCH_SIZE)):
        # The last occurrence of an id within a batch wins (PostgreSQL refuses to upsert the
        # same key twice in one statement).
        unique = {a.ban_id: a for a in batch}
        with transaction.atomic():
            existing = set(
                Address.objects.filter(ban_id__in=unique).values_list("ban_id", flat=True)
            )
            Address.objects.bulk_create(
                unique.values(),
                update_conflicts=True,
                unique_fields=["ban_id"],
                update_fields=UPDATED_FIELDS,
            )
        result.updated += len(existing)
        result.created += len(unique) - len(existing)
    return result
