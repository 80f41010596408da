"""The routing-engine interface. Two backends speak Valhalla's own JSON: the embedded one (pyvalhalla, one
actor per thread) and a Valhalla HTTP service (``valhalla_service``) for scale-out. The planner only ever
sees this interface, so both give the same routes for the same tiles."""

from __future__ import annotations

import json
import re
import time
from abc import ABC, abstractmethod
from typing import Any

from app.core.metrics import ENGINE_LATENCY

# Valhalla error codes that mean "this place cannot be reached on foot", as opposed to a broken request.
UNROUTABLE_CODES = {170, 171, 172, 440, 441, 442, 443, 444, 445}
# Valhalla's request limits (150 too many locations, 154 path longer than the costing's max distance, 155
# walking speed out of range, ...): the client asked for too much, not a fault of ours.
LIMIT_CODES = set(range(150, 160))


class EngineError(Exception):
    """Valhalla refused the request. ``code`` is Valhalla's error_code when it gave one."""

    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code

    @property
    def unroutable(self) -> bool:
        return self.code in UNROUTABLE_CODES

    @property
    def over_limit(self) -> bool:
        return self.code in LIMIT_CODES

    @classmethod
    def from_payload(cls, text: str) -> EngineError:
        """Valhalla answers errors as JSON ``{"error_code": 171, "error": "..."}`` (maybe inside other text)."""
        match = re.search(r"\{.*\}", text, re.DOTALL)
        if match:
            try:
                doc = json.loads(match.group(0))
                return cls(str(doc.get("error") or doc), doc.get("error_code"))
            except ValueError:
                pass
        return cls(text.strip() or "routing engine error")


class RoutingEngine(ABC):
    """Call a Valhalla action with a request dict; get Valhalla's response dict."""

    backend = "abstract"

    def route(self, request: dict[str, Any]) -> dict[str, Any]:
        return self._timed("route", request)

    def optimized_route(self, request: dict[str, Any]) -> dict[str, Any]:
        return self._timed("optimized_route", request)

    def locate(self, request: dict[str, Any]) -> list[dict[str, Any]]:
        return self._timed("locate", request)

    def trace_attributes(self, request: dict[str, Any]) -> dict[str, Any]:
        """Map-match a track (``shape`` with times) to the street network: matched points and edges."""
        return self._timed("trace_attributes", request)

    def status(self) -> dict[str, Any]:
        return self._timed("status", {})

    def close(self) -> None:
        pass

    def _timed(self, action: str, request: dict[str, Any]) -> Any:
        start = time.perf_counter()
        try:
            return self._call(action, request)
        finally:
            ENGINE_LATENCY.labels(self.backend, action).observe(time.perf_counter() - start)

    @abstractmethod
    def _call(self, action: str, request: dict[str, Any]) -> Any:
        """Run one action. Raise EngineError for Valhalla's refusals, ServiceUnavailable when unreachable."""
