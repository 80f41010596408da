"""Choose the routing backend from the settings. Apart from engine.py so that the interface does not import
its implementations (and they, in turn, import it)."""

from __future__ import annotations

import os

from app.core.config import Settings
from app.routing.engine import RoutingEngine


def get_engine(settings: Settings) -> RoutingEngine:
    """The HTTP backend when ``FILMTOUR_VALHALLA_URL`` is set, else the embedded one (building tiles if needed)."""
    # Each backend imported when chosen: a server routing in-process does not load httpx for this.
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
    # (8 clients for 15 s on 2 CPUs, 4 planning slots: 2 threads answered 3,185 routes at 309 MB, 4 threads 1,915
    # at 364 MB).
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    threads = min(settings.max_concurrent_plans, cpus)
    return EmbeddedEngine(lambda: ensure_tiles(settings).config_path, threads=threads)
