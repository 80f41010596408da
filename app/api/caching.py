"""Conditional GETs: a strong ETag over the exact bytes sent, and 304 when the client already has them."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from fastapi import Request, Response
from fastapi.responses import JSONResponse

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
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def etag_for(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _matches(if_none_match: str | None, etag: str) -> bool:
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
    if _matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=base)
    return Response(content=body, media_type=media_type, headers=base)


def json_response(
    request: Request, payload: Any, *, media_type: str = "application/json", **kw: Any
) -> Response:
    return cached_response(request, dumps(payload), media_type=media_type, **kw)
