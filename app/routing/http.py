"""A Valhalla HTTP service (``valhalla_service`` from the same wheel, or the upstream Docker image) as the
routing backend: the same JSON over httpx, with connect/read timeouts; unreachable means 503 + Retry-After."""

from __future__ import annotations

from typing import Any

import httpx

from app.core.exceptions import ServiceUnavailable
from app.routing.engine import EngineError, RoutingEngine


class HttpEngine(RoutingEngine):
    backend = "http"

    def __init__(self, base_url: str, *, timeout_s: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._client = httpx.Client(
            base_url=self.base_url,
            timeout=httpx.Timeout(timeout_s, connect=min(timeout_s, 3.0)),
            limits=httpx.Limits(max_connections=32, max_keepalive_connections=16),
        )

    def _call(self, action: str, request: dict[str, Any]) -> Any:
        try:
            resp = (
                self._client.get("/status")
                if action == "status"
                else self._client.post(f"/{action}", json=request)
            )
        except httpx.TimeoutException as exc:
            raise ServiceUnavailable("the routing service timed out", retry_after_s=10) from exc
        except httpx.TransportError as exc:
            raise ServiceUnavailable("the routing service is unreachable", retry_after_s=10) from exc
        if resp.status_code >= 500 and "error_code" not in resp.text:
            raise ServiceUnavailable(f"the routing service failed ({resp.status_code})", retry_after_s=10)
        if resp.status_code >= 400:
            raise EngineError.from_payload(resp.text)
        return resp.json()

    def close(self) -> None:
        self._client.close()
