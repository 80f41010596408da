"""What a running application holds (database engines, limiters, routing engine, geocoder, caches): one typed
container, built once by start-up (app.main's lifespan), kept as ``app.state.filmtour`` and read only through
``app_state(app)``. Why it is built whole in the lifespan rather than filled in field by field: docs/typing.md."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Engine
from starlette.applications import Starlette

from app.api.caching import CardCache, DatasetCache
from app.core.config import Settings
from app.core.ratelimit import IPNetwork, PlanningSlots, RateLimiter
from app.db.session import Readiness
from app.maps.basemap import TileArchive
from app.routing.engine import RoutingEngine
from app.services.downloads import DownloadCache
from app.services.geocode import Geocoder
from app.services.tour_plans import TourPlans

STATE_ATTRIBUTE = "filmtour"  # the one name on Starlette's app.state


@dataclass(frozen=True, slots=True)
class AppState:
    """Everything a request handler may use, all there once start-up has finished (none of it is None but the
    basemap, which may simply not be built)."""

    settings: Settings
    db_engine: Engine
    readiness: Readiness  # /readyz's database check
    limit_engine: Engine  # where the rate-limit counters live: db_engine, or a SQLite file beside it
    route_limiter: RateLimiter  # route-planning units a client may spend a minute
    geocode_limiter: RateLimiter
    save_limiter: RateLimiter  # saved routes per client an hour
    client_hash_key: bytes  # the secret a saved route's client hash is keyed with
    routing: RoutingEngine
    basemap: TileArchive | None  # None when no basemap is built: maps draw without streets, /tiles is a 503
    geocoder: Geocoder
    tour_plans: TourPlans
    dataset_cache: DatasetCache
    cards: CardCache
    downloads: DownloadCache
    trusted_proxies: tuple[IPNetwork, ...]
    planning_slots: PlanningSlots


def keep_app_state(app: Starlette, state: AppState) -> None:
    """Start-up's last step (app.main): the state becomes the app's, for every request after it."""
    setattr(app.state, STATE_ATTRIBUTE, state)


def app_state(app: Starlette) -> AppState:
    """The running application's state (``request.app`` in a handler). Raises if start-up has not run: a
    request served without the lifespan (``TestClient(app)`` outside ``with``) fails here, saying why."""
    state = getattr(app.state, STATE_ATTRIBUTE, None)
    if isinstance(state, AppState):
        return state
    raise RuntimeError(
        "filmtour has not started: its lifespan (app.main) builds the state before the first request; "
        "serve the app with uvicorn, or enter `with TestClient(app)`"
    )
