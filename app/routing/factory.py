"""Choose the routing backend from the settings. Apart from engine.py so that the interface does not import
its implementations (and they, in turn, import it)."""

from __future__ import annotations

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

    return EmbeddedEngine(lambda: ensure_tiles(settings).config_path, threads=settings.max_concurrent_plans)
