"""Choose the routing backend from the settings. Apart from engine.py so that the interface does not import
its implementations (and they, in turn, import it)."""

from __future__ import annotations

from app.core.config import Settings
from app.routing.embedded import EmbeddedEngine
from app.routing.engine import RoutingEngine
from app.routing.http import HttpEngine
from app.routing.tiles import ensure_tiles


def get_engine(settings: Settings) -> RoutingEngine:
    """The HTTP backend when ``FILMTOUR_VALHALLA_URL`` is set, else the embedded one (building tiles if needed)."""
    if settings.valhalla_url:
        return HttpEngine(
            settings.valhalla_url,
            timeout_s=settings.valhalla_timeout_s,
            user_agent=settings.valhalla_user_agent,
            attempts=settings.valhalla_retries,
        )
    return EmbeddedEngine(lambda: ensure_tiles(settings).config_path)
