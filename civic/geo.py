"""Distances and areas without PostGIS: a bounding box on the indexed lat/lon columns narrows the
rows, then the haversine formula (in SQL) gives the distance in metres."""

import math

from django.db.models import F, FloatField, Value
from django.db.models.expressions import CombinedExpression
from django.db.models.functions import ASin, Cos, Power, Radians, Sin, Sqrt

EARTH_RADIUS_M = 6_371_008.8
METRES_PER_DEGREE_LAT = 111_320.0


def bounding_box(lat: float, lon: float, radius_m: float) -> tuple[float, float, float, float]:
    """(min_lat, max_lat, min_lon, max_lon) of a square that contains the circle."""
    dlat = radius_m / METRES_PER_DEGREE_LAT
    dlon = radius_m / (METRES_PER_DEGREE_LAT * max(math.cos(math.radians(lat)), 1e-6))
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(min(a, 1.0)))


def distance_expression(lat: float, lon: float) -> CombinedExpression:
    """SQL distance in metres from (lat, lon) to each row's (latitude, longitude)."""
    lat_r, lon_r = math.radians(lat), math.radians(lon)
    dphi = Radians(F("latitude")) - Value(lat_r)
    dlambda = Radians(F("longitude")) - Value(lon_r)
    a = CombinedExpression(
        Power(Sin(dphi / 2), 2),
        "+",
        Value(math.cos(lat_r)) * Cos(Radians(F("latitude"))) * Power(Sin(dlambda / 2), 2),
        output_field=FloatField(),
    )
    return Value(2 * EARTH_RADIUS_M) * ASin(Sqrt(a))
