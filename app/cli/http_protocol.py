"""The HTTP protocol ``filmtour serve`` runs: uvicorn's h11 implementation (not httptools) with a deadline for
each request head, so the server bounds header size and time even where nothing stands in front of it.

- **Size**: h11 refuses a request head over 16 KB (its incomplete-event cap) with 400. httptools grew a
  header value without bound (a 32 MB header cost 0.76 s of the event loop's CPU).
- **Time**: a connection must deliver a complete request head within ``http_header_timeout_s`` of its first
  byte (or of opening, for a connection that sends nothing); otherwise it is closed. uvicorn's keep-alive
  timeout covers only the gap between requests, so a client sending one header byte every few seconds held a
  connection (and a file descriptor) forever: the slowloris attack.
- **Count**: ``limit_concurrency`` (``FILMTOUR_MAX_CONNECTIONS``) answers 503 past that many connections.

uvicorn instantiates this class itself in each worker (``http=`` takes a class), so the timeout is read from
the settings here rather than handed in."""

from __future__ import annotations

import asyncio

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol


class BoundedH11Protocol(H11Protocol):
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        from app.core.config import get_settings

        self._head_timeout_s = get_settings().http_header_timeout_s
        self._head_deadline: asyncio.TimerHandle | None = None
        self._arm()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.their_state is h11.IDLE:  # still reading a request head
            if self._head_deadline is None:
                self._arm()
        else:
            self._disarm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._head_deadline = self.loop.call_later(self._head_timeout_s, self._head_too_slow)

    def _disarm(self) -> None:
        if self._head_deadline is not None:
            self._head_deadline.cancel()
            self._head_deadline = None

    def _head_too_slow(self) -> None:
        self._head_deadline = None
        if self.conn.their_state is h11.IDLE and (self.cycle is None or self.cycle.response_complete):
            self.transport.close()
