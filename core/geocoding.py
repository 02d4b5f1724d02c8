"""Address search (geocoding): one interface, two backends, chosen by `GEOCODER_BACKEND`.

- `"offline"` (`OfflineGeocoder`): the council's own table of addresses (`core.models.Address`,
  loaded from the national address base's CSV by `manage.py import_addresses`), searched with
  PostgreSQL trigrams. Works without any network; the default.
- `"ban"` (`BanGeocoder`): the national address base's public API
  (`https://api-adresse.data.gouv.fr/search/`), a GeoJSON answer. `GEOCODER_BAN_URL` points
  elsewhere (a mirror, or a test's local server).

A dotted path to another class with the same `search` method works too. Callers that must not
fail because a geocoder is down (a report saved with an address alone) use `geocode_first`.
"""

import json
import logging
import math
import re
import unicodedata
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import asdict, dataclass
from typing import Any, Protocol

from django.conf import settings
from django.contrib.postgres.lookups import TrigramWordSimilar
from django.contrib.postgres.search import TrigramSimilarity, TrigramWordSimilarity
from django.db.models import F, Value
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

MAX_QUERY_LENGTH = 200
MAX_RESULTS = 10


@dataclass(frozen=True)
class GeocodeResult:
    label: str
    latitude: float
    longitude: float
    score: float  # 0..1, higher is closer to the query
    postcode: str = ""
    city: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class GeocodingUnavailable(Exception):
    """The backend could not answer (network, timeout, bad answer): not the same as no match."""


class Geocoder(Protocol):
    def search(
        self, query: str, *, limit: int = 5, near: tuple[float, float] | None = None
    ) -> list[GeocodeResult]:
        """Addresses matching `query`, best first. `near` (lat, lon) favours results close to
        the council on backends that cover a whole country."""
        ...


def normalize(text: str) -> str:
    """Lower case, no accents, no punctuation, single spaces: "Rue de l'Église" → "rue de l
    eglise". Used for both the stored `search_text` and the query."""
    # Ligatures have no decomposition: "Œuvre" would lose its first letters.
    spelled = text.lower().replace("œ", "oe").replace("æ", "ae").replace("ß", "ss")
    decomposed = unicodedata.normalize("NFKD", spelled)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^0-9a-z]+", " ", bare).split())


def _clean_query(query: str) -> str:
    return query.strip()[:MAX_QUERY_LENGTH]


class OfflineGeocoder:
    """The council's `Address` table. Candidates come from the trigram index (`query <%
    search_text`: the query is close to some part of the label), ranked by that word similarity,
    then by the similarity of the whole label, so "12 rue de la lainerie" puts number 12 before
    120 or 2 of the same street."""

    def search(
        self, query: str, *, limit: int = 5, near: tuple[float, float] | None = None
    ) -> list[GeocodeResult]:
        from core.models import Address

        text = normalize(_clean_query(query))
        if len(text) < 3:
            return []
        rows = (
            Address.objects.filter(TrigramWordSimilar(F("search_text"), Value(text)))
            .annotate(
                word=TrigramWordSimilarity(text, "search_text"),
                whole=TrigramSimilarity("search_text", text),
            )
            .order_by("-word", "-whole", "pk")[: min(limit, MAX_RESULTS)]
        )
        return [
            GeocodeResult(
                label=row.label,
                latitude=row.latitude,
                longitude=row.longitude,
                score=round(float(row.word), 3),
                postcode=row.postcode,
                city=row.city,
            )
            for row in rows
        ]


class BanGeocoder:
    """The Base Adresse Nationale's search API: `GET {url}?q=…&limit=…[&lat=…&lon=…]`, answered
    with a GeoJSON FeatureCollection whose features carry `label`, `score`, `postcode`, `city`
    and a Point geometry (lon, lat)."""

    def __init__(self, url: str | None = None, timeout: float | None = None):
        self.url = url or settings.GEOCODER_BAN_URL
        self.timeout = timeout if timeout is not None else settings.GEOCODER_TIMEOUT
        if urllib.parse.urlsplit(self.url).scheme not in ("http", "https"):
            raise ValueError(f"not an http(s) URL: {self.url!r}")

    def search(
        self, query: str, *, limit: int = 5, near: tuple[float, float] | None = None
    ) -> list[GeocodeResult]:
        text = _clean_query(query)
        # The API refuses queries under 3 characters (400); do not spend a request on them.
        if len(text) < 3:
            return []
        params: dict[str, Any] = {"q": text, "limit": min(limit, MAX_RESULTS)}
        if near is not None:
            params["lat"], params["lon"] = near
        request = urllib.request.Request(  # noqa: S310  (scheme checked in __init__)
            f"{self.url}?{urllib.parse.urlencode(params)}",
            headers={"Accept": "application/json", "User-Agent": "Commune geocoder"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310  (idem)
                data = json.loads(response.read(1_000_000))
        except (OSError, ValueError) as error:  # URLError, timeouts, bad JSON
            raise GeocodingUnavailable(str(error)) from error
        try:
            return [_ban_result(feature) for feature in data["features"]]
        except (KeyError, TypeError, ValueError, IndexError) as error:
            raise GeocodingUnavailable(f"unexpected answer: {error}") from error


def _ban_result(feature: dict[str, Any]) -> GeocodeResult:
    lon, lat = (float(c) for c in feature["geometry"]["coordinates"][:2])
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValueError("a point off the Earth")
    props = feature["properties"]
    return GeocodeResult(
        label=str(props["label"])[:300],
        latitude=lat,
        longitude=lon,
        score=round(float(props.get("score", 0)), 3),
        postcode=str(props.get("postcode", ""))[:10],
        city=str(props.get("city", ""))[:100],
    )


BACKENDS = {"offline": OfflineGeocoder, "ban": BanGeocoder}


def geocoder() -> Geocoder:
    """The configured backend (`GEOCODER_BACKEND`: "offline", "ban" or a dotted path)."""
    name = settings.GEOCODER_BACKEND
    cls = BACKENDS.get(name) or import_string(name)
    return cls()


def geocode_first(query: str, *, near: tuple[float, float] | None = None) -> GeocodeResult | None:
    """The best match of `query`, or None when there is none or the geocoder is unavailable
    (logged): a report or an address is still saved without a point."""
    try:
        found = geocoder().search(query, limit=1, near=near)
    except GeocodingUnavailable:
        logger.warning("geocoder unavailable", exc_info=True)
        return None
    return found[0] if found else None
