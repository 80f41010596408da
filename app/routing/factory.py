"""Choose the routing backend from the settings. Apart from engine.py so that the interface does not import
its implementations (and they, in turn, import it)."""

from __future__ import annotations

import os

from app.core.config import Settings
from app.routing.engine import RoutingEngine


def get_engine(settings: Settings) -> RoutingEngine:
    """The HTTP backend when ``FILMTOUR_VALHALLA_URL`` is set, else the embedded one (building tiles if needed)."""
    # Each backend imported when chosen: the embedded server never loads httpx for this, nor the HTTP one valhalla.
    if settings.valhalla_url:
        from app.routing.http import HttpEngine

        return HttpEngine(
            settings.valhalla_url,
            timeout_s=settings.valhalla_timeout_s,
            user_agent=settings.valhalla_user_agent,
            attempts=settings.valhalla_retries,
        )
    from app.routing.embedded import EmbeddedEngine
    from app.routing.tiles import ensure_tiles

    # Valhalla's work is CPU-bound: more routing threads than CPUs add Actors (~20-30 MB each), not speed
    # (8 clients on 2 CPUs: 2 threads answered 2,659 routes in 15 s at 308 MB, 4 threads 1,915 at 364 MB).
    threads = min(settings.max_concurrent_plans, len(os.sched_getaffinity(0)))
    return EmbeddedEngine(lambda: ensure_tiles(settings).config_path, threads=threads)
