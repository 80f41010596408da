"""A per-client sliding-window rate limit for the expensive endpoints (route creation, geocoding).

It is per process: behind N replicas a client gets at most N times the limit, which is fine for abuse control;
put the limit in the reverse proxy when it must be exact."""

from __future__ import annotations

import threading
import time
from collections import deque

from fastapi import Request

from app.core.exceptions import TooManyRequests


class RateLimiter:
    def __init__(self, per_minute: int, *, window_s: float = 60.0, max_clients: int = 100_000) -> None:
        self.per_minute = per_minute
        self.window_s = window_s
        self.max_clients = max_clients
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def check(self, client: str, what: str) -> None:
        if self.per_minute <= 0:
            return
        now = time.monotonic()
        with self._lock:
            if len(self._hits) >= self.max_clients:
                self._hits.clear()  # memory bound under a spray of addresses; brief leniency is acceptable
            hits = self._hits.setdefault(client, deque())
            while hits and hits[0] <= now - self.window_s:
                hits.popleft()
            if len(hits) >= self.per_minute:
                retry = int(hits[0] + self.window_s - now) + 1
                raise TooManyRequests(
                    f"at most {self.per_minute} {what} a minute per client; retry in {retry} s",
                    retry_after_s=retry,
                )
            hits.append(now)


def client_key(request: Request) -> str:
    return request.client.host if request.client else "unknown"
