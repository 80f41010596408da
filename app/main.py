"""Application factory. ``create_app(settings)`` builds a fully wired app; ``app`` is the default instance
for ``uvicorn app.main:app``."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from sqlalchemy.engine import Engine
from starlette.concurrency import run_in_threadpool

from app.api import (
    cards,
    docs,
    downloads,
    geocode,
    health,
    locations,
    offline,
    ogc,
    pages,
    routes,
    run_pages,
    runs,
    tiles,
    tours,
)
from app.api.caching import CardCache, DatasetCache
from app.api.state import AppState, keep_app_state
from app.core import gc_tuning
from app.core.config import Settings, get_settings
from app.core.errors import document_problems, install_error_handlers
from app.core.exceptions import ServiceUnavailable
from app.core.keyfile import client_hash_key
from app.core.logging import configure_logging
from app.core.middleware import (
    GZIP_LEVEL,
    BodyLimitMiddleware,
    NegotiatedGZipMiddleware,
    RequestContextMiddleware,
)
from app.core.ratelimit import (
    IPNetwork,
    PlanningSlots,
    RateLimiter,
    SQLStorage,
    parse_networks,
    sqlite_counter_engine,
)
from app.db.prepare import prepare
from app.db.session import Readiness, check_database, make_engine
from app.maps.assets import STATIC_PREFIX, static_files_app
from app.maps.basemap import TileArchive, current_basemap, ensure_basemap, open_archive
from app.maps.card_store import CardStore
from app.routing.factory import get_engine
from app.routing.tiles import ensure_tiles
from app.services import routes as routes_service
from app.services.downloads import DownloadCache
from app.services.geocode import Geocoder
from app.services.tour_plans import TourPlans

log = logging.getLogger("filmtour")
PRUNE_EVERY_S = 3600.0  # unread saved routes past their retention are deleted this often while serving


async def _prune_periodically(settings: Settings, engine: Engine) -> None:
    while True:
        await asyncio.sleep(PRUNE_EVERY_S)
        try:
            await run_in_threadpool(routes_service.prune_saved_routes, settings, engine)
        except Exception:  # a full disk or a lost database must not end the loop: next hour, again
            log.exception("pruning saved routes failed")


def prepare_database(settings: Settings) -> Engine:
    """Connect, and migrate and load the dataset unless that was done for these files already
    (app.db.prepare: a start with unchanged data writes nothing). Raises if the database is unreachable."""
    engine = make_engine(settings)
    try:
        check_database(engine)
    except ServiceUnavailable as exc:  # say where: the operator reads this in the start-up log
        where = engine.url.render_as_string(hide_password=True)
        raise ServiceUnavailable(f"{exc.detail} at {where}", retry_after_s=exc.retry_after_s) from exc
    prepare(settings, engine)
    return engine


def _lifespan(
    settings: Settings, trusted_proxies: tuple[IPNetwork, ...]
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """Start-up and shut-down: the application's state (app.api.state.AppState) is built whole before the first
    request and kept as the app's one state attribute; its resources are released at shut-down."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # In a worker thread: the blocking start-up work (database check, tiles, basemap) off the event loop.
        state = await run_in_threadpool(start_up, settings, trusted_proxies)
        keep_app_state(app, state)
        pruner = asyncio.create_task(_prune_periodically(state.settings, state.db_engine))
        settler = asyncio.create_task(_settle_when_indexed(state.geocoder))
        try:
            yield
        finally:
            if settler.done():
                gc_tuning.release()
            for task in (pruner, settler):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            state.routing.close()
            state.geocoder.close()
            if state.limit_engine is not state.db_engine:
                state.limit_engine.dispose()
            state.db_engine.dispose()

    return lifespan


async def _settle_when_indexed(geocoder: Geocoder) -> None:
    """What start-up loaded, and the geocoder's index built behind it, out of the garbage collector's way
    (app.core.gc_tuning); a failed index build is /readyz's to report."""
    with contextlib.suppress(Exception):
        await geocoder.ready()
    gc_tuning.settle()


def start_up(settings: Settings, trusted_proxies: tuple[IPNetwork, ...]) -> AppState:
    """Database (migrations, dataset, expired routes pruned), limits, routing tiles, basemap, geocoder and the
    process's caches: the application's state, every part of it ready."""
    db_engine = prepare_database(settings)
    limit_engine = _limit_store_engine(settings, db_engine)
    storage = SQLStorage(limit_engine)
    route_limiter = RateLimiter("routes", settings.rate_limit_routes_per_minute, storage)
    geocode_limiter = RateLimiter("geocode", settings.rate_limit_geocode_per_minute, storage)
    save_limiter = RateLimiter("saves", settings.saved_routes_per_client_per_hour, storage, "hour")
    key = client_hash_key(settings)
    routing = get_engine(settings)
    if settings.build_tiles_on_startup and not settings.valhalla_url:
        ensure_tiles(settings)  # first start builds them (seconds); later starts find them cached
    basemap = _basemap(settings)
    geocoder = Geocoder(settings)
    geocoder.warm_up()
    routes_service.prune_saved_routes(settings, db_engine)
    return AppState(
        settings=settings,
        db_engine=db_engine,
        readiness=Readiness(db_engine),
        limit_engine=limit_engine,
        route_limiter=route_limiter,
        geocode_limiter=geocode_limiter,
        save_limiter=save_limiter,
        client_hash_key=key,
        routing=routing,
        basemap=basemap,
        geocoder=geocoder,
        tour_plans=TourPlans(),
        dataset_cache=DatasetCache(db_engine),
        cards=CardCache(store=CardStore(settings.data_dir / "cards")),
        downloads=DownloadCache(settings.data_dir / "downloads"),
        trusted_proxies=trusted_proxies,
        planning_slots=PlanningSlots(settings.max_concurrent_plans, settings.planning_wait_s),
    )


def _limit_store_engine(settings: Settings, db_engine: Engine) -> Engine:
    """Where the shared rate-limit counters live (see app.core.ratelimit): PostgreSQL's own database, or a
    separate SQLite file on a single node."""
    if db_engine.dialect.name == "sqlite":
        return sqlite_counter_engine(settings.data_dir / "ratelimit.db")
    return db_engine


def _basemap(settings: Settings) -> TileArchive | None:
    """The vector basemap archive: built on first start (seconds), found cached later; None if absent."""
    basemap = ensure_basemap(settings) if settings.build_basemap_on_startup else current_basemap(settings)
    return open_archive(basemap.directory) if basemap else None


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    trusted_proxies = parse_networks(settings.trusted_proxies.split(","))  # a bad setting fails here, at once
    app = FastAPI(
        title="filmtour",
        summary="Walk or run the Rocky (1976) training montage through Philadelphia's streets.",
        version="0.1.0",
        lifespan=_lifespan(settings, trusted_proxies),
        docs_url=None,  # our own /docs (app.api.docs): self-hosted assets, hash-based CSP
        redoc_url=None,  # off: ReDoc needs inline styles
    )
    configure_logging(settings.log_level)
    install_error_handlers(app)
    # Order: the last added runs first. Body limit innermost, request context outermost (it sees every answer).
    app.add_middleware(
        BodyLimitMiddleware,
        max_bytes=settings.max_body_bytes,
        larger={runs.COMPARE_PATH: settings.max_gpx_bytes},
    )
    # The big static answers (the location list, tiles) are compressed once and stored, not here. Gzip only
    # where Accept-Encoding allows it (RFC 9110 q-values, not Starlette's substring test).
    app.add_middleware(NegotiatedGZipMiddleware, minimum_size=500, compresslevel=GZIP_LEVEL)
    # Blogs read the API from the browser: open CORS, but for reads only.
    app.add_middleware(
        CORSMiddleware, allow_origins=["*"], allow_methods=["GET", "HEAD"], allow_headers=["*"]
    )
    app.add_middleware(RequestContextMiddleware)
    app.include_router(health.router)
    app.include_router(docs.router)
    app.include_router(locations.router)
    app.include_router(tours.router)
    app.include_router(routes.router)
    app.include_router(geocode.router)
    app.include_router(pages.router)
    app.include_router(run_pages.router)
    app.include_router(runs.router)
    app.include_router(tiles.router)
    app.include_router(offline.router)
    app.include_router(ogc.router)
    app.include_router(downloads.router)
    app.include_router(cards.router)
    app.mount(STATIC_PREFIX, static_files_app(), name="static")
    _document_errors(app)
    return app


def _document_errors(app: FastAPI) -> None:
    build = app.openapi

    def openapi() -> dict:
        if app.openapi_schema is None:
            app.openapi_schema = document_problems(build())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


app = create_app()
