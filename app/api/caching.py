"""Conditional GETs: a strong ETag over the exact bytes sent, and 304 when the client already has them."""

from __future__ import annotations

import gzip
import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from app.core import jsontext
from app.core.encoding import accepts_gzip
from app.db import repository as repo
from app.maps.card_store import CardStore

GEOJSON = "application/geo+json"
# The documented answers of a cached GET besides its body: 304 (ETag), and 404 where the path names one item.
NOT_MODIFIED: dict[int | str, dict[str, Any]] = {304: {"description": "Not modified"}}


def one_item(unknown: str = "Unknown id") -> dict[int | str, dict[str, Any]]:
    return {**NOT_MODIFIED, 404: {"description": unknown}}


class GeoJSONResponse(JSONResponse):
    """Declares application/geo+json with the endpoint's response model in the OpenAPI document (FastAPI
    documents a model only for JSONResponse classes); the endpoints send their own cached bytes."""

    media_type = GEOJSON


def dumps(payload: Any) -> bytes:
    """Compact UTF-8 JSON (app.core.jsontext)."""
    return jsontext.dumps(payload)


def etag_for(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def not_modified(request: Request, etag: str) -> bool:
    """The request's If-None-Match names this ETag (or is *): answer 304."""
    if_none_match = request.headers.get("if-none-match")
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    # Weak comparison (RFC 9110 §13.1.2): W/"x" matches "x"; GZip may have weakened our tag on the way out.
    tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
    return etag in tags


def cached_response(
    request: Request,
    body: bytes,
    *,
    media_type: str,
    max_age: int = 300,
    headers: dict[str, str] | None = None,
) -> Response:
    etag = etag_for(body)
    base = {"ETag": etag, "Cache-Control": f"public, max-age={max_age}", "Vary": "Accept"}
    base.update(headers or {})
    if not_modified(request, etag):
        return Response(status_code=304, headers=base)
    return Response(content=body, media_type=media_type, headers=base)


def json_response(
    request: Request, payload: Any, *, media_type: str = "application/json", **kw: Any
) -> Response:
    return cached_response(request, dumps(payload), media_type=media_type, **kw)


@dataclass(frozen=True)
class Rendered:
    """One rendered answer: its bytes, the same gzipped (compressed once, not per request), its ETag. The gzip
    is sent when Accept-Encoding allows it (RFC 9110 q-values: ``gzip;q=0`` gets the plain bytes); every answer,
    304 included, says ``Vary: Accept, Accept-Encoding``."""

    body: bytes
    gzipped: bytes | None
    etag: str

    @classmethod
    def of(cls, body: bytes) -> Rendered:
        packed = gzip.compress(body, compresslevel=6, mtime=0) if len(body) >= GZIP_MIN_BYTES else None
        return cls(body, packed, etag_for(body))

    def response(
        self, request: Request, *, media_type: str, max_age: int, headers: dict[str, str] | None = None
    ) -> Response:
        headers = {
            **(headers or {}),
            "ETag": self.etag,
            "Cache-Control": f"public, max-age={max_age}",
            "Vary": "Accept, Accept-Encoding",
        }
        if not_modified(request, self.etag):
            return Response(status_code=304, headers=headers)
        if self.gzipped is not None and accepts_gzip(request.headers.get("accept-encoding")):
            # Already encoded: the GZip middleware passes it on as it is.
            headers["Content-Encoding"] = "gzip"
            return Response(content=self.gzipped, media_type=media_type, headers=headers)
        return Response(content=self.body, media_type=media_type, headers=headers)


GZIP_MIN_BYTES = 500  # as the GZip middleware (app.main)


class DatasetCache:
    """Rendered answers of the dataset endpoints (the location list, the tours), kept while the dataset is
    unchanged, so a busy server answers them from memory on the event loop: no thread, no database connection,
    no re-encoding.

    The dataset changes only by ``filmtour db load``, maybe from another process: its fingerprint
    (repository.dataset_fingerprint) is re-read at most every ``recheck_s`` seconds, so a load shows within that
    time. At most ``size`` answers are kept (least recently used dropped); bad queries are never cached. Answers
    are rendered with sessions of ``engine`` (the application's database)."""

    def __init__(self, engine: Engine, recheck_s: float = 1.0, size: int = 256) -> None:
        self.engine = engine
        self.recheck_s = recheck_s
        self.size = size
        self._entries: OrderedDict[str, Rendered] = OrderedDict()
        self._fingerprint: tuple | None = None
        self._checked_at = float("-inf")
        self._lock = threading.Lock()

    def version(self, session: Session) -> str:
        """The dataset's fingerprint as text (re-read at most every ``recheck_s``), for what else is keyed by
        the dataset, e.g. the tour plans: from a thread with a session."""
        if self._due():
            self._recheck(repo.dataset_fingerprint(session))
        return repr(self._fingerprint)

    def _due(self) -> bool:
        return time.monotonic() - self._checked_at > self.recheck_s

    def _recheck_with(self, engine: Engine) -> None:
        with Session(engine) as session:
            self._recheck(repo.dataset_fingerprint(session))

    def _recheck(self, fingerprint: tuple) -> None:
        with self._lock:
            if fingerprint != self._fingerprint:
                self._entries.clear()
                self._fingerprint = fingerprint
            self._checked_at = time.monotonic()

    async def response(
        self,
        request: Request,
        key: str,
        render: Callable[[Session], Any],
        *,
        media_type: str = "application/json",
        max_age: int = 300,
        headers: dict[str, str] | None = None,
    ) -> Response:
        """The answer for ``key``, rendered by ``render(session)`` (a JSON payload, or the bytes themselves)
        in the thread pool when not kept yet."""
        engine = self.engine
        if self._due():
            await run_in_threadpool(self._recheck_with, engine)
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
        if entry is None:
            entry = await run_in_threadpool(_render, engine, render)
            with self._lock:
                self._entries[key] = entry
                while len(self._entries) > self.size:
                    self._entries.popitem(last=False)
        return entry.response(request, media_type=media_type, max_age=max_age, headers=headers)


class CardCache:
    """The last ``size`` share cards drawn (~60 KB each; app.api.cards), keyed by item, dataset version and
    basemap version; behind it, ``store``: the dataset's cards on disk, kept across restarts and exports."""

    def __init__(self, size: int = 128, store: CardStore | None = None) -> None:
        self.size = size
        self.store = store
        self._cards: OrderedDict[str, Rendered] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> Rendered | None:
        with self._lock:
            card = self._cards.get(key)
            if card is not None:
                self._cards.move_to_end(key)
            return card

    def put(self, key: str, card: Rendered) -> None:
        with self._lock:
            self._cards[key] = card
            while len(self._cards) > self.size:
                self._cards.popitem(last=False)


def _render(engine: Engine, render: Callable[[Session], Any]) -> Rendered:
    with Session(engine) as session:
        body = render(session)
    return Rendered.of(body if isinstance(body, bytes) else dumps(body))
