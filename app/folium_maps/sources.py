"""Where the maps' documents come from: a running filmtour service (over HTTP, with a timeout) or the local atlas
(the database, loaded from the shipped dataset when empty, and routes planned with the embedded Valhalla, as
``filmtour route`` plans them). Both give the same GeoJSON documents as the API."""

from __future__ import annotations

import os
from typing import Any

import httpx
from sqlalchemy import Engine
from sqlmodel import Session

from app.core.config import Settings, get_settings
from app.core.exceptions import FilmtourError
from app.db import repository as repo
from app.db.prepare import prepare
from app.db.session import make_engine
from app.routing.factory import get_engine
from app.schemas.route_document import RouteDocument
from app.schemas.routes import RouteRequest
from app.services import route_document
from app.services import routes as routes_service

SERVICE_URL_ENV = "FILMTOUR_URL"
TIMEOUT_S = 30.0  # planning a long tour on a cold service takes seconds; an unreachable one fails at connect


class MapSourceError(Exception):
    """A document could not be had: unknown id, unreachable service, a refused request. The message says which."""


def service_url(explicit: str | None = None) -> str | None:
    """The service to ask: the argument, else FILMTOUR_URL; None when neither is set."""
    return (explicit or os.environ.get(SERVICE_URL_ENV) or "").rstrip("/") or None


def fetch(url: str, path: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
    """GET a GeoJSON document from the service; a clear MapSourceError for every way it can fail."""
    try:
        resp = httpx.get(
            f"{url}{path}",
            params=params,
            headers={"Accept": "application/geo+json, application/json"},
            timeout=TIMEOUT_S,
        )
    except httpx.HTTPError as exc:
        raise MapSourceError(f"cannot reach the filmtour service at {url}: {exc}") from exc
    if resp.status_code != 200:
        try:
            detail = resp.json().get("detail") or resp.reason_phrase
        except ValueError:
            detail = resp.reason_phrase
        raise MapSourceError(f"{url}{path}: {resp.status_code} {detail}")
    try:
        doc: dict[str, Any] = resp.json()
    except ValueError as exc:
        raise MapSourceError(f"{url}{path} did not answer JSON: is it a filmtour service?") from exc
    return doc


def saved_route(route_id: str, url: str) -> RouteDocument:
    """A route someone saved, by its id, from the service that holds it (an older service's answer, without
    ``format_version``, is read as the current format)."""
    return route_document.upgrade(fetch(url, f"/api/v1/routes/{route_id}"))


def open_atlas(settings: Settings) -> Engine:
    """The local atlas: the database migrated and holding the shipped dataset (``db prepare``'s work, done
    once and stamped, as a server's start-up does it)."""
    engine = make_engine(settings)
    prepare(settings, engine, load=True)
    return engine


def tour_route(tour_id: str, *, url: str | None = None, **options: Any) -> RouteDocument:
    """A tour routed: from the service when ``url`` is given (GET /api/v1/tours/{id}), else planned locally.
    ``options`` are the route request's (activity, pace_min_per_km, workout={"level": ...}, language...)."""
    if url:
        query = {k: v for k, v in options.items() if isinstance(v, str | int | float | bool)}
        return route_document.upgrade(fetch(url, f"/api/v1/tours/{tour_id}", query))
    settings = get_settings()
    try:
        request = RouteRequest(tour=tour_id, **options)
        with Session(open_atlas(settings)) as session:
            return routes_service.plan(session, request, get_engine(settings), settings)
    except FilmtourError as exc:
        raise MapSourceError(exc.detail) from exc
    except ValueError as exc:  # pydantic's ValidationError: an option out of range
        raise MapSourceError(str(exc)) from exc


def places(
    *, film: str | None = None, ids: list[str] | None = None, url: str | None = None
) -> list[dict[str, Any]]:
    """Places of the atlas as GeoJSON features (as /api/v1/locations gives them): all, one film's, or by id."""
    if url:
        features: list[dict[str, Any]] = []
        while True:  # the API pages at 500
            page = fetch(
                url,
                "/api/v1/locations",
                {"film": film, "limit": 500, "offset": len(features)}
                if film
                else {"limit": 500, "offset": len(features)},
            )
            features += page["features"]
            if len(page["features"]) < 500:
                break
    else:
        with Session(open_atlas(get_settings())) as session:
            films = repo.film_index(session)
            if film:
                found = repo.resolve_film(session, film)
                if found is None:
                    raise MapSourceError(f"unknown film: {film!r}")
                rows = repo.film_locations(session, found.id)
            else:
                rows = repo.all_locations(session)
            features = [repo.location_feature(r, films) for r in rows]
    if film and not features:
        raise MapSourceError(f"unknown film or no places: {film!r}")
    if ids is not None:
        by_id = {f["properties"]["id"]: f for f in features}
        missing = [i for i in ids if i not in by_id]
        if missing:
            raise MapSourceError(f"unknown place id(s): {', '.join(missing)}")
        features = [by_id[i] for i in ids]
    return features
