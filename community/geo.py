"""GeoJSON areas of neighbourhoods: validation and point-in-area, without a GIS dependency.

Coordinates are WGS 84 [longitude, latitude]. A neighbourhood is small enough that treating
lon/lat as plane coordinates for point-in-polygon is exact for our purpose (the edges are short).
"""

import itertools
import json
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

Ring = list[list[float]]


def _check_position(position: Any) -> list[float]:
    if (
        not isinstance(position, list | tuple)
        or len(position) < 2
        or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in position[:2])
    ):
        raise ValidationError(
            _("Each point must be a pair of numbers [longitude, latitude]."), code="bad_position"
        )
    lon, lat = float(position[0]), float(position[1])
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise ValidationError(
            _(
                "The point [%(lon)s, %(lat)s] is outside the world: longitude must be between -180 "
                "and 180, latitude between -90 and 90."
            )
            % {"lon": position[0], "lat": position[1]},
            code="bad_position",
        )
    return [lon, lat]


def _check_ring(ring: Any) -> Ring:
    if not isinstance(ring, list) or len(ring) < 4:
        raise ValidationError(
            _("An area's outline needs at least 4 points (3 corners and the first point again)."),
            code="short_ring",
        )
    points = [_check_position(p) for p in ring]
    if points[0] != points[-1]:
        raise ValidationError(
            _("An area's outline must be closed: its last point must be the same as its first."),
            code="open_ring",
        )
    if len({tuple(p) for p in points}) < 3:
        raise ValidationError(
            _("An area's outline needs at least 3 different corners."), code="degenerate_ring"
        )
    return points


def _check_polygon(rings: Any) -> list[Ring]:
    if not isinstance(rings, list) or not rings:
        raise ValidationError(_("A polygon needs at least one outline."), code="bad_polygon")
    return [_check_ring(r) for r in rings]


def parse_area(raw: str | dict | None) -> dict | None:
    """A validated GeoJSON Polygon or MultiPolygon geometry (a Feature is unwrapped), or None
    for an empty value. Raises ValidationError with a message for staff."""
    value: Any = raw
    if value in (None, "", {}):
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as error:
            raise ValidationError(
                _("This is not valid GeoJSON: %(error)s") % {"error": error.msg}, code="bad_json"
            ) from error
        except RecursionError as error:
            raise ValidationError(
                _("This is not valid GeoJSON: %(error)s") % {"error": "nested too deeply"},
                code="bad_json",
            ) from error
    if not isinstance(value, dict):
        raise ValidationError(_("The area must be a GeoJSON Polygon."), code="bad_type")
    if value.get("type") == "FeatureCollection" and len(value.get("features") or []) == 1:
        value = value["features"][0]
    if value.get("type") == "Feature":
        value = value.get("geometry") or {}
    kind = value.get("type")
    if kind == "Polygon":
        return {"type": "Polygon", "coordinates": _check_polygon(value.get("coordinates"))}
    if kind == "MultiPolygon":
        polygons = value.get("coordinates")
        if not isinstance(polygons, list) or not polygons:
            raise ValidationError(
                _("A MultiPolygon needs at least one polygon."), code="bad_polygon"
            )
        return {"type": "MultiPolygon", "coordinates": [_check_polygon(p) for p in polygons]}
    raise ValidationError(
        _("The area must be a GeoJSON Polygon or MultiPolygon, not “%(type)s”.") % {"type": kind},
        code="bad_type",
    )


def _in_ring(lon: float, lat: float, ring: Ring) -> bool:
    inside = False
    for (x1, y1), (x2, y2) in itertools.pairwise(ring):
        if (y1 > lat) != (y2 > lat):
            crossing = x1 + (lat - y1) * (x2 - x1) / (y2 - y1)
            if lon < crossing:
                inside = not inside
    return inside


def _in_polygon(lon: float, lat: float, rings: list[Ring]) -> bool:
    outer, *holes = rings
    return _in_ring(lon, lat, outer) and not any(_in_ring(lon, lat, h) for h in holes)


def area_contains(area: dict | None, *, lon: float, lat: float) -> bool:
    if not area:
        return False
    if area["type"] == "Polygon":
        return _in_polygon(lon, lat, area["coordinates"])
    return any(_in_polygon(lon, lat, p) for p in area["coordinates"])


def area_bounds(areas: list[dict]) -> tuple[float, float, float, float] | None:
    """(min_lon, min_lat, max_lon, max_lat) over the outer rings of these areas."""
    points = []
    for area in areas:
        polygons = [area["coordinates"]] if area["type"] == "Polygon" else area["coordinates"]
        for rings in polygons:
            points.extend(rings[0])
    if not points:
        return None
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    return min(lons), min(lats), max(lons), max(lats)
