"""FastAPI dependencies: settings, database sessions and the routing engine, all taken from the application's
state (app.api.state.AppState, built at start-up) so a test can build an app with its own settings."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any, Literal

from fastapi import Depends, Path, Query, Request
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.api.state import app_state
from app.core.config import Settings
from app.core.ratelimit import client_key_of
from app.maps.i18n import choose_language
from app.schemas.route_document import RouteDocument


# Async: a read of the app's state, so FastAPI runs it on the event loop instead of a thread-pool hop per request.
async def get_settings(request: Request) -> Settings:
    return app_state(request.app).settings


async def get_db_engine(request: Request) -> Engine:
    return app_state(request.app).db_engine


def get_session(engine: Annotated[Engine, Depends(get_db_engine)]) -> Iterator[Session]:
    with Session(engine) as session:
        yield session


def thread_session(request: Request) -> Session:
    """A session for an async endpoint's work in one thread-pool hop: opened and closed in that thread
    (``with thread_session(request) as session:``), where SessionDep would cost a hop to open and one to close."""
    return Session(app_state(request.app).db_engine)


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_session)]


def base_url(request: Request, settings: Settings) -> str:
    """Absolute base for share links: the configured public URL, else what the client used if its host is an
    allowed one, else the first allowed host on the port the server listens on (never a spoofed Host)."""
    if settings.public_base_url:
        return settings.public_base_url.rstrip("/")
    allowed = [h.strip().lower() for h in settings.allowed_hosts.split(",") if h.strip()]
    host = request.headers.get("host", "").lower()
    name = host if host.endswith("]") else host.rsplit(":", 1)[0]
    if name in allowed:
        return str(request.base_url).rstrip("/")
    port = (request.scope.get("server") or (None, None))[1]
    suffix = f":{port}" if port and port not in (80, 443) else ""
    return f"{request.url.scheme}://{allowed[0] if allowed else 'localhost'}{suffix}"


def tour_route(
    request: Request, session: Session, settings: Settings, tour_id: str, **options: Any
) -> RouteDocument:
    """A tour planned with its defaults, or with the given ``options`` (activity, pace, pace_min_per_km,
    workout, song_s, step_free, language: app.services.tour_plans.TourPlans.get), from the process's plan
    cache, for the current dataset. A variant plan not cached yet is charged to the client's route-planning
    budget, as a POST of it would be: varying language, step_free or activity must not plan for free. The tour's
    default plan is not charged: it is the server's own, shared by everyone (the tours list plans all of them)."""
    state = app_state(request.app)

    def charge(cost: int) -> None:
        state.route_limiter.check(client_key(request), "route-planning units", cost)

    return state.tour_plans.get(
        session, state.routing, settings, tour_id, **_plan_cache(request, session), charge=charge, **options
    )


def posted_tour(request: Request, session: Session, settings: Settings, body: Any) -> RouteDocument:
    """A POSTed ready-made tour (TourPlans.serves), from the same plan cache as tour_route (the POST was
    charged before it got here)."""
    state = app_state(request.app)
    return state.tour_plans.for_request(
        session, state.routing, settings, body, **_plan_cache(request, session)
    )


def _plan_cache(request: Request, session: Session) -> dict[str, Any]:
    """What the tour plans are keyed by and wait on: the dataset's version, the process's planning slots."""
    state = app_state(request.app)
    return {"version": state.dataset_cache.version(session), "slots": state.planning_slots}


def client_key(request: Request) -> str:
    """The rate-limit key: the peer, or behind a configured trusted proxy the client it forwarded for."""
    peer = request.client.host if request.client else None
    return client_key_of(
        peer, request.headers.getlist("x-forwarded-for"), app_state(request.app).trusted_proxies
    )


# The id in a data endpoint's path (a location, film or tour).
ItemId = Annotated[str, Path(max_length=120)]


async def page_language(
    request: Request,
    lang: Annotated[
        str | None, Query(max_length=35, description="Interface language (en, es); else Accept-Language")
    ] = None,
) -> str:
    """A page's interface language: ``?lang=`` first, then the Accept-Language header (Babel negotiates)."""
    return choose_language(lang, request.headers.get("accept-language"))


PageLanguage = Annotated[str, Depends(page_language)]
WorkoutLevel = Annotated[
    Literal["beginner", "intermediate", "rocky"] | None, Query(description="Montage workout level")
]
