"""What ``filmtour serve`` runs: a small ASGI front that listens at once and answers ``/healthz`` while the
application (app.main: FastAPI, SQLAlchemy, Valhalla, the maps) is imported and started in the background.

A restart is alive for the process manager in about a second instead of the several seconds the imports, the
migrations check, the dataset load check and the tile checks take. ``/readyz`` answers 503 until the application
has started (then it is the application's own probe); every other request waits for it (at most
``BOOT_WAIT_S``, then 503 problem+json with Retry-After). At most ``FILMTOUR_BOOT_QUEUE_MAX`` requests wait
(``filmtour serve`` puts the validated setting in the environment); more are refused at once with 503
problem+json and Retry-After, each logged as one JSON warning and, once the application is up, counted in
/metrics (route ``(starting)``). If the start fails, the error is logged and the process exits (status 3),
as a failed start did before.

Only the standard library is imported here, so nothing slow comes before the socket listens."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
from typing import Any

BOOT_WAIT_S = 60.0
BOOT_QUEUE_MAX = 64  # the default of FILMTOUR_BOOT_QUEUE_MAX (app.core.config: not imported here, it is slow)
STARTING_ROUTE = "(starting)"  # the route label of requests the boot front refused, in logs and /metrics
log = logging.getLogger("filmtour")
access_log = logging.getLogger("filmtour.access")

Scope = dict[str, Any]


def _load_app() -> Any:
    from app import main  # the heavy imports: in a worker thread, after the socket listens

    return main.app


def _queue_max() -> int:
    """FILMTOUR_BOOT_QUEUE_MAX as `filmtour serve` exported it (validated by app.core.config); the default
    when unset or not a count (then app.main's settings refuse it at start-up, with a clear message)."""
    try:
        return max(0, int(os.environ.get("FILMTOUR_BOOT_QUEUE_MAX", BOOT_QUEUE_MAX)))
    except ValueError:
        return BOOT_QUEUE_MAX


class Boot:
    def __init__(self) -> None:
        self.app: Any = None
        self.queue_max = _queue_max()
        self.held = 0  # requests waiting for the application now
        self.refused: dict[str, int] = {}  # per method, while starting: counted in /metrics once it is up
        self._ready: asyncio.Event | None = None
        self._inner: asyncio.Queue | None = None
        self._inner_out: asyncio.Queue | None = None
        self._inner_task: asyncio.Task | None = None
        self._start_task: asyncio.Task | None = None

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if self.app is not None:
            await self.app(scope, receive, send)
            return
        if scope["type"] == "http" and scope["path"] == "/healthz":
            await _answer(send, 200, "application/json", {"status": "ok"})
            return
        if scope["type"] == "http" and scope["path"] == "/readyz":
            await _problem(send, "the service is starting")
            return
        if self.held >= self.queue_max:
            await self._refuse(scope, send)
            return
        self.held += 1
        try:
            await asyncio.wait_for(self._event().wait(), BOOT_WAIT_S)
        except TimeoutError:
            if scope["type"] == "http":
                await _problem(send, "the service is still starting")
            return
        finally:
            self.held -= 1
        await self.app(scope, receive, send)

    async def _refuse(self, scope: Scope, send: Any) -> None:
        """Too many requests already wait for the start: 503 at once, so none piles up for BOOT_WAIT_S."""
        method = scope.get("method", scope["type"].upper())
        self.refused[method] = self.refused.get(method, 0) + 1
        # As the access log's lines (app.core.middleware): the route, never the path's text or the query.
        access_log.warning(
            "request refused: %d requests already wait for the start",
            self.held,
            extra={"method": method, "path": STARTING_ROUTE, "status": 503, "duration_ms": 0.0},
        )
        if scope["type"] == "http":
            await _problem(send, "the service is starting and already holds as many requests as it may")

    def _event(self) -> asyncio.Event:
        if self._ready is None:
            self._ready = asyncio.Event()
        return self._ready

    async def _lifespan(self, receive: Any, send: Any) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self._start_task = asyncio.create_task(self._start())
                await send({"type": "lifespan.startup.complete"})  # listen now; the app starts behind
            elif message["type"] == "lifespan.shutdown":
                await self._stop()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _start(self) -> None:
        try:
            app = await asyncio.to_thread(_load_app)
            self._inner, self._inner_out = asyncio.Queue(), asyncio.Queue()
            scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}, "state": {}}
            self._inner_task = asyncio.create_task(app(scope, self._inner.get, self._inner_out.put))
            await self._inner.put({"type": "lifespan.startup"})
            reply = await self._inner_out.get()
            if reply["type"] != "lifespan.startup.complete":
                await self._inner_task  # re-raises what the start-up raised (the reply holds its traceback)
                raise RuntimeError("the application failed to start")
        except Exception as exc:  # noqa: BLE001 (logged, as JSON once app.main set up logging; then exit)
            _report(exc)
            os._exit(3)
        self.app = app
        self._event().set()
        _count_refused(self.refused)

    async def _stop(self) -> None:
        if self._start_task is not None and not self._start_task.done():
            await self._start_task  # a start in progress finishes (or exits) before the shutdown
        if self._inner_task is not None and self._inner is not None and self._inner_out is not None:
            await self._inner.put({"type": "lifespan.shutdown"})
            await self._inner_out.get()
            await self._inner_task


def _count_refused(refused: dict[str, int]) -> None:
    """The requests refused while starting, into /metrics (prometheus_client is loaded with the app now)."""
    from app.core.metrics import REQUESTS

    for method, n in refused.items():
        REQUESTS.labels(method, STARTING_ROUTE, "503").inc(n)


def _report(exc: Exception) -> None:
    """A known refusal (the database is down, tiles cannot be built: the app's FilmtourError with its detail)
    is one clear line; anything else is logged with its traceback."""
    detail = getattr(exc, "detail", None)
    if not logging.getLogger().handlers and not log.handlers:  # failed before app.main set up logging
        sys.stderr.write(f"error: start-up failed: {detail or repr(exc)}\n")
    elif detail:
        log.error("start-up failed: %s", detail)
    else:
        log.exception("start-up failed")
    logging.shutdown()


async def _answer(send: Any, status: int, media_type: str, doc: dict, headers: list | None = None) -> None:
    body = json.dumps(doc, separators=(",", ":")).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", media_type.encode()),
                (b"content-length", str(len(body)).encode()),
                (b"cache-control", b"no-store"),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def _problem(send: Any, detail: str) -> None:
    doc = {"type": "about:blank", "title": "Service Unavailable", "status": 503, "detail": detail}
    await _answer(send, 503, "application/problem+json", doc, [(b"retry-after", b"2")])


app = Boot()
