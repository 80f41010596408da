"""Every outbound HTTP call (geocoder, Overpass, a Valhalla service) goes through this module: httpx with the
caller's own User-Agent, connect and read timeouts, and retries with exponential backoff that honour a server's
``Retry-After`` (seconds or an HTTP date). A wait longer than the policy allows is not slept through: the last
answer goes back to the caller, who turns it into its own error."""

from __future__ import annotations

import logging
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import httpx

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 502, 503, 504})
# Worth another try: the server may answer next time. A refused connection is not (offline, or wrong URL).
TRANSIENT_ERRORS: tuple[type[Exception], ...] = (httpx.TimeoutException, httpx.RemoteProtocolError)


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 1  # 1: no retries
    statuses: frozenset[int] = RETRY_STATUSES
    backoff_s: float = 1.0  # 1, 2, 4, ... when the server gives no Retry-After
    max_wait_s: float = 60.0  # never sleep longer than this before one retry

    def delay(self, attempt: int, retry_after: str | None = None) -> float | None:
        """Seconds to wait before attempt ``attempt + 1``; None when the server asks for longer than we wait."""
        asked = parse_retry_after(retry_after)
        if asked is None:
            return min(self.backoff_s * 2 ** (attempt - 1), self.max_wait_s)
        return asked if asked <= self.max_wait_s else None


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """``Retry-After`` (RFC 9110 §10.2.3): delay-seconds or an HTTP date. None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class OutboundClient:
    """A thread-safe httpx client for one remote service."""

    def __init__(
        self,
        *,
        user_agent: str,
        timeout_s: float,
        connect_timeout_s: float = 5.0,
        retry: RetryPolicy | None = None,
        base_url: str = "",
        max_connections: int = 10,
        follow_redirects: bool = False,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self._client = httpx.Client(
            base_url=base_url,
            headers={"User-Agent": user_agent},
            timeout=httpx.Timeout(timeout_s, connect=min(timeout_s, connect_timeout_s)),
            limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections),
            follow_redirects=follow_redirects,
        )

    @property
    def user_agent(self) -> str:
        return self._client.headers["User-Agent"]

    def request(self, method: str, url: str, **kw: Any) -> httpx.Response:
        """Send, retrying on the policy's statuses and on transient errors; the last answer is returned."""
        with self.stream(method, url, **kw) as resp:
            resp.read()
            return resp

    @contextmanager
    def stream(self, method: str, url: str, **kw: Any) -> Iterator[httpx.Response]:
        """Like ``request`` but the body is not read yet (for large downloads). Retries happen before the body
        is handed over; an error while the caller reads it is the caller's."""
        attempt = 0
        while True:
            attempt += 1
            stack = ExitStack()
            try:
                resp = stack.enter_context(self._client.stream(method, url, **kw))
            except TRANSIENT_ERRORS as exc:
                stack.close()
                wait = self.retry.delay(attempt) if attempt < self.retry.attempts else None
                if wait is None:
                    raise
                log.info("%s %s: %s; retry %d in %.1f s", method, url, type(exc).__name__, attempt, wait)
                self._sleep(wait)
                continue
            if resp.status_code in self.retry.statuses and attempt < self.retry.attempts:
                wait = self.retry.delay(attempt, resp.headers.get("retry-after"))
                if wait is not None:
                    stack.close()
                    log.info("%s %s: %d; retry %d in %.1f s", method, url, resp.status_code, attempt, wait)
                    self._sleep(wait)
                    continue
            with stack:
                yield resp
            return

    def download(
        self,
        method: str,
        url: str,
        dest: Path,
        *,
        progress: Callable[[int, int | None], None] | None = None,
        **kw: Any,
    ) -> httpx.Response:
        """Stream a 200 answer into ``dest`` (via a temporary file: never a half file under the final name).
        A transient error while reading the body starts the download again, within the same attempts. A
        non-200 answer is returned unread and ``dest`` is left alone."""
        for attempt in range(1, self.retry.attempts + 1):
            with self.stream(method, url, **kw) as resp:
                if resp.status_code != 200:
                    resp.read()
                    return resp
                total = int(resp.headers["content-length"]) if "content-length" in resp.headers else None
                try:
                    _write_body(resp, dest, total, progress)
                except TRANSIENT_ERRORS:
                    wait = self.retry.delay(attempt) if attempt < self.retry.attempts else None
                    if wait is None:
                        raise
                else:
                    return resp
            self._sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover (the last attempt returns or raises)

    def close(self) -> None:
        self._client.close()


def _write_body(
    resp: httpx.Response, dest: Path, total: int | None, progress: Callable[[int, int | None], None] | None
) -> None:
    done = 0
    with tempfile.NamedTemporaryFile("wb", dir=dest.parent, delete=False, suffix=".part") as out:
        try:
            for chunk in resp.iter_bytes(1 << 16):
                out.write(chunk)
                done += len(chunk)
                if progress:
                    progress(done, total)
        except BaseException:
            out.close()
            os.unlink(out.name)
            raise
    os.replace(out.name, dest)
