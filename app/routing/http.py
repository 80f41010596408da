"""A Valhalla HTTP service (``valhalla_service`` from the same wheel, or the upstream Docker image) as the
routing backend: the same JSON through app.core.outbound (timeouts, retries); unreachable means 503 +
Retry-After."""

from __future__ import annotations

from typing import Any

import httpx

from app.core.config import DEFAULT_USER_AGENT
from app.core.exceptions import ServiceUnavailable
from app.core.outbound import OutboundClient, RetryPolicy, parse_retry_after
from app.routing.engine import EngineError, RoutingEngine


class HttpEngine(RoutingEngine):
    backend = "http"

    def __init__(
        self,
        base_url: str,
        *,
        timeout_s: float = 10.0,
        user_agent: str = DEFAULT_USER_AGENT,
        attempts: int = 2,
        max_wait_s: float = 2.0,
    ) -> None:
        """``attempts`` and ``max_wait_s``: a busy service (429/503 with a short Retry-After) is asked again,
        but a runner waiting for a route is never kept waiting more than ``max_wait_s`` for one retry."""
        self.base_url = base_url.rstrip("/")
        self._client = OutboundClient(
            base_url=self.base_url,
            user_agent=user_agent,
            timeout_s=timeout_s,
            connect_timeout_s=3.0,
            retry=RetryPolicy(attempts=attempts, backoff_s=0.2, max_wait_s=max_wait_s),
            max_connections=32,
        )

    def _call(self, action: str, request: dict[str, Any]) -> Any:
        try:
            resp = (
                self._client.request("GET", "/status")
                if action == "status"
                else self._client.request("POST", f"/{action}", json=request)
            )
        except httpx.TimeoutException as exc:
            raise ServiceUnavailable("the routing service timed out", retry_after_s=10) from exc
        except httpx.TransportError as exc:
            raise ServiceUnavailable("the routing service is unreachable", retry_after_s=10) from exc
        if (resp.status_code >= 500 or resp.status_code == 429) and "error_code" not in resp.text:
            retry = parse_retry_after(resp.headers.get("retry-after"))
            raise ServiceUnavailable(
                f"the routing service failed ({resp.status_code})",
                retry_after_s=max(1, round(retry)) if retry is not None else 10,
            )
        if resp.status_code >= 400:
            raise EngineError.from_payload(resp.text)
        return resp.json()

    def close(self) -> None:
        self._client.close()
