"""A geocoded point, whoever found it (the offline index or the Nominatim fallback). Apart from
app.services.nominatim so that the server, which asks Nominatim only when ``geocoder_fallback`` is on, does
not load httpx and geopy's geocoders to name this type."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Place:
    lat: float
    lon: float
    display_name: str
    cached: bool


__all__ = ["Place"]
