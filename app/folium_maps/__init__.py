"""filmtour for Python users: the atlas and its routes as folium maps, for a notebook or one HTML file.

    from app.folium_maps import tour_map, film_map, route_map, places_layer, route_layer

    m = tour_map("rocky-1976-montage", service_url="http://127.0.0.1:8000")  # from a running service
    m = film_map("rocky-ii-1979")                                            # from the local atlas
    m = route_map("3fJ9...", service_url="https://filmtour.example.org")     # a saved route by id
    m = route_map(route_document)                                            # GeoJSON you already have
    route_layer(route_document).add_to(my_own_map)                           # onto a map of yours
    m.save("montage.html")

Each map has our basemap (the service's vector tiles; ``basemap="openstreetmap"`` for OpenStreetMap's raster
tiles, ``"none"`` for none) and its credits. ``self_contained=True`` inlines every script from installed
packages, so the file loads nothing from a CDN. Text from the atlas or a route is escaped in every popup."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import folium

from app.folium_maps import sources
from app.folium_maps.basemap import Basemap, new_map
from app.folium_maps.draw import ROUTE_COLOR, place_marker, places_layer, route_layer
from app.folium_maps.sources import MapSourceError, places, saved_route, service_url, tour_route
from app.maps.render import credit_html

__all__ = [
    "ROUTE_COLOR",
    "Basemap",
    "MapSourceError",
    "film_map",
    "new_map",
    "place_marker",
    "places",
    "places_layer",
    "places_map",
    "route_layer",
    "route_map",
    "saved_route",
    "service_url",
    "tour_map",
    "tour_route",
]


def _fit(m: folium.Map, points: list[tuple[float, float]]) -> folium.Map:
    if points:
        lats, lons = [p[0] for p in points], [p[1] for p in points]
        m.fit_bounds([(min(lats), min(lons)), (max(lats), max(lons))], padding=(30, 30), max_zoom=16)
    return m


def _route_points(doc: Mapping[str, Any]) -> list[tuple[float, float]]:
    return [
        (lat, lon)
        for f in doc.get("features", [])
        if f.get("geometry", {}).get("type") == "LineString"
        for lon, lat in f["geometry"]["coordinates"]
    ]


def route_map(
    route: str | Mapping[str, Any],
    *,
    service_url: str | None = None,
    basemap: Basemap = "filmtour",
    self_contained: bool = False,
) -> folium.Map:
    """A route on a map: a saved route's id (fetched from ``service_url`` or FILMTOUR_URL), or a route
    document (the API's GeoJSON answer) you already have."""
    url = sources.service_url(service_url)
    if isinstance(route, str):
        if url is None:
            raise MapSourceError("a saved route id needs a service: pass service_url or set FILMTOUR_URL")
        route = saved_route(route, url)
    if not any(f.get("properties", {}).get("kind") == "route" for f in route.get("features", [])):
        raise MapSourceError("not a filmtour route document: it has no feature of kind 'route'")
    credit = credit_html(str((route.get("properties") or {}).get("attribution") or "")) or None
    m = new_map(
        service_url=url,
        basemap=basemap,
        self_contained=self_contained,
        **({"credit": credit} if credit else {}),
    )
    route_layer(route).add_to(m)
    return _fit(m, _route_points(route))


def tour_map(
    tour_id: str,
    *,
    service_url: str | None = None,
    basemap: Basemap = "filmtour",
    self_contained: bool = False,
    **options: Any,
) -> folium.Map:
    """A ready-made tour, routed: by the service at ``service_url`` when given, else planned from the local
    atlas. ``options`` as the API's (activity="walk", workout={"level": "beginner"}, ...)."""
    return route_map(
        tour_route(tour_id, url=service_url, **options),
        service_url=sources.service_url(service_url),
        basemap=basemap,
        self_contained=self_contained,
    )


def places_map(
    features: Iterable[Mapping[str, Any]] | None = None,
    *,
    ids: list[str] | None = None,
    service_url: str | None = None,
    basemap: Basemap = "filmtour",
    self_contained: bool = False,
) -> folium.Map:
    """Places of the atlas on a map, as on /map: the features you pass, or those with ``ids`` (or all) from
    the service at ``service_url`` or the local atlas."""
    chosen = list(features) if features is not None else places(ids=ids, url=service_url)
    m = new_map(service_url=sources.service_url(service_url), basemap=basemap, self_contained=self_contained)
    places_layer(chosen).add_to(m)
    shown = [f for f in chosen if f["properties"].get("visitable") != "not_in_philadelphia"]
    return _fit(m, [(f["geometry"]["coordinates"][1], f["geometry"]["coordinates"][0]) for f in shown])


def film_map(
    film: str,
    *,
    service_url: str | None = None,
    basemap: Basemap = "filmtour",
    self_contained: bool = False,
) -> folium.Map:
    """One film's places (an id such as "rocky-ii-1979", or its title)."""
    return places_map(
        places(film=film, url=service_url),
        service_url=service_url,
        basemap=basemap,
        self_contained=self_contained,
    )
