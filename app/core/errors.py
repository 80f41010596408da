"""Every error the service returns is RFC 9457 ``application/problem+json``; this module is the only place
that builds one."""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://filmtour.example/problems/"


class Problem(Exception):
    """An error meant for the client. ``field`` names the offending parameter, when there is one."""

    status = 400
    title = "Bad request"
    slug = "bad-request"

    def __init__(
        self,
        detail: str,
        *,
        field: str | None = None,
        status: int | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field
        if status is not None:
            self.status = status
        self.headers = headers or {}
        self.extra = extra

    def body(self, instance: str | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {
            "type": TYPE_BASE + self.slug,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if instance:
            out["instance"] = instance
        if self.field:
            out["field"] = self.field
            out["errors"] = [{"field": self.field, "message": self.detail}]
        out.update(self.extra)
        return out


class InvalidParameter(Problem):
    status, title, slug = 422, "Invalid parameter", "invalid-parameter"


class NotFound(Problem):
    status, title, slug = 404, "Not found", "not-found"


class Unroutable(Problem):
    status, title, slug = 422, "Stop cannot be routed", "unroutable"


class ServiceUnavailable(Problem):
    """A part we depend on (routing service, geocoder, database) is down; the client may retry."""

    status, title, slug = 503, "Service unavailable", "service-unavailable"

    def __init__(self, detail: str, *, retry_after_s: int = 30, **kw: Any) -> None:
        super().__init__(detail, headers={"Retry-After": str(retry_after_s)}, **kw)


class Forbidden(Problem):
    status, title, slug = 403, "Forbidden", "forbidden"


class TooManyRequests(Problem):
    status, title, slug = 429, "Too many requests", "rate-limited"

    def __init__(self, detail: str, *, retry_after_s: int = 60, **kw: Any) -> None:
        super().__init__(detail, headers={"Retry-After": str(retry_after_s)}, **kw)


class PayloadTooLarge(Problem):
    status, title, slug = 413, "Request body too large", "payload-too-large"


def problem_response(problem: Problem, request: Request | None = None) -> JSONResponse:
    instance = request.url.path if request is not None else None
    return JSONResponse(
        problem.body(instance), status_code=problem.status, media_type=PROBLEM_JSON, headers=problem.headers
    )


_API_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")


def _field_name(loc: tuple[Any, ...] | list[Any]) -> str:
    # ('query', 'bbox') -> 'bbox'; ('body', 'stops', 3, 'PointIn', 'lat') -> 'stops[3].lat'
    # (union members such as 'PointIn' or 'constrained-str' are pydantic's, not the client's, so they go)
    parts = [p for p in loc[1:] if isinstance(p, int) or _API_NAME.match(str(p))] if loc else []
    if loc and loc[0] not in ("body", "query", "path", "header", "cookie"):
        parts = [p for p in loc if isinstance(p, int) or _API_NAME.match(str(p))]
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "body"


def _validation_problem(exc: RequestValidationError) -> Problem:
    raw = sorted(exc.errors(), key=lambda e: -len(e.get("loc", ())))  # the most specific first
    errors = [{"field": _field_name(e.get("loc", ())), "message": e.get("msg", "invalid")} for e in raw]
    first = errors[0] if errors else {"field": "body", "message": "invalid request"}
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
    p = InvalidParameter(detail, field=first["field"])
    p.extra["errors"] = errors
    return p


_HTTP_TITLES = {
    404: ("Not found", "not-found"),
    405: ("Method not allowed", "method-not-allowed"),
    413: ("Request body too large", "payload-too-large"),
}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> JSONResponse:
        return problem_response(exc, request)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        return problem_response(_validation_problem(exc), request)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        title, slug = _HTTP_TITLES.get(exc.status_code, ("HTTP error", "http-error"))
        field = "body" if exc.status_code == 413 else None
        p = Problem(str(exc.detail), status=exc.status_code, headers=dict(exc.headers or {}), field=field)
        p.title, p.slug = title, slug
        return problem_response(p, request)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        p = Problem("An internal error occurred; it has been logged.", status=500)
        p.title, p.slug = "Internal server error", "internal"
        return problem_response(p, request)


PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem details. `field` names the request parameter at fault, when there is one.",
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "field": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
    "additionalProperties": True,
}


def document_problems(schema: dict[str, Any]) -> dict[str, Any]:
    """Make the OpenAPI document say what the service really sends on errors: problem+json, for 422 and for
    every other error status (as the 'default' response)."""
    schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    problem = {"content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}}
    for path_item in schema.get("paths", {}).values():
        for operation in path_item.values():
            responses = operation.setdefault("responses", {})
            if "422" in responses:
                responses["422"] = {"description": "Invalid parameter, named in `field`", **problem}
            for code, resp in responses.items():
                if code[0] in "45" and not resp.get("content"):
                    resp.update(problem)
            responses.setdefault("default", {"description": "An error, as RFC 9457 problem+json", **problem})
    for name in ("HTTPValidationError", "ValidationError"):
        schema["components"]["schemas"].pop(name, None)
    return schema
