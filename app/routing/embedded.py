"""Valhalla in-process through pyvalhalla. An Actor is not thread-safe (two threads on one actor corrupt the
heap), so each thread lazily gets its own; creating one costs about 10 ms.

Valhalla runs on the engine's own few threads (``threads``: app.routing.factory gives max_concurrent_plans,
at most one per CPU), not on whichever of the server's pool threads (up to 40) asked: each Actor keeps ~20-30
MB (its graph-tile cache and search buffers), so a worker's memory is bounded by how many route at once, not
by how many threads ever routed (8 concurrent clients for 20 s took a worker from 222 to 462 MB before). The
hand-off to a routing thread costs ~20 µs a call."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.core import jsontext
from app.core.exceptions import ServiceUnavailable
from app.routing.engine import EngineError, RoutingEngine
from app.routing.tiles import TileBuildError

if TYPE_CHECKING:
    import valhalla


class EmbeddedEngine(RoutingEngine):
    backend = "embedded"

    def __init__(self, config: Path | Callable[[], Path], threads: int = 4) -> None:
        """``config`` is the valhalla.json path, or a function giving it (called once, on first use, so an
        app can start before its tiles are built); ``threads``: most Actors (and routes computed at once)."""
        self._config_source = config
        self._config_path: Path | None = None
        self._config_lock = threading.Lock()
        self._local = threading.local()
        self._threads = ThreadPoolExecutor(max_workers=max(threads, 1), thread_name_prefix="valhalla")

    @property
    def config_path(self) -> Path:
        if self._config_path is None:
            with self._config_lock:
                if self._config_path is None:
                    src = self._config_source
                    try:
                        self._config_path = Path(src() if callable(src) else src)
                    except TileBuildError as exc:  # not cached: the next request tries again
                        raise ServiceUnavailable(
                            f"routing tiles are not available: {exc}", retry_after_s=30
                        ) from exc
        return self._config_path

    def _actor(self) -> valhalla.Actor:
        actor = getattr(self._local, "actor", None)
        if actor is None:
            # Loaded with the first Actor, on a routing thread: a start does not load Valhalla's library
            # (~25 ms of a restart's CPU, docs/performance.md).
            import valhalla

            try:
                actor = self._local.actor = valhalla.Actor(str(self.config_path))
            except (
                OSError,
                RuntimeError,
            ) as exc:  # unreadable config or tiles (deleted or damaged under a running app)
                raise ServiceUnavailable(f"the routing engine cannot start: {exc}", retry_after_s=30) from exc
        return actor

    def _call(self, action: str, request: dict[str, Any]) -> Any:
        return self._threads.submit(self._run, action, request).result()

    def close(self) -> None:
        self._threads.shutdown(wait=False)  # idle routing threads end, and their Actors with them

    def _run(self, action: str, request: dict[str, Any]) -> Any:
        """On a routing thread: its own Actor."""
        actor = self._actor()
        try:
            if action == "status":
                return jsontext.loads(actor.status())  # the binding returns status as a JSON string
            # JSON text in and out (pyvalhalla's dict wrapper would use the slower json module both ways):
            # Valhalla's answer is decoded once, here.
            return jsontext.loads(getattr(actor, action)(jsontext.dumps(request).decode()))
        except RuntimeError as exc:  # ValhallaError derives from RuntimeError and carries Valhalla's code
            code = getattr(exc, "code", None)
            if isinstance(code, int):
                raise EngineError(str(getattr(exc, "message", exc)), code) from exc
            raise EngineError.from_payload(str(exc)) from exc
