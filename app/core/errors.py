"""Every error the service returns is RFC 9457 ``application/problem+json``; this module is the only place
that builds one, and ``DEFAULT_STATUS_CODES`` the only place that gives a domain exception its status code."""

from __future__ import annotations

import errno
import logging
import re
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.core.exceptions import (
    AddressNotFound,
    AddressOutsideCity,
    AmbiguousAddress,
    FilmtourError,
    Forbidden,
    InvalidParameter,
    InvalidQuery,
    NotFound,
    PayloadTooLarge,
    QuotaExceeded,
    RetryLater,
    ServiceUnavailable,
    StorageFull,
    TooManyRequests,
    Unroutable,
)

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://filmtour.example/problems/"


@dataclass
class Problem:
    """One RFC 9457 problem document and the status and headers it is sent with."""

    status: int
    title: str
    slug: str
    detail: str
    field: str | None = None
    headers: dict[str, str] = dc_field(default_factory=dict)
    extra: dict[str, Any] = dc_field(default_factory=dict)

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


# The one table from domain exceptions to problem types and status codes (like tipg's DEFAULT_STATUS_CODES).
# A subclass not listed takes its nearest listed base's entry.
DEFAULT_STATUS_CODES: dict[type[FilmtourError], tuple[int, str, str]] = {
    FilmtourError: (400, "Bad request", "bad-request"),
    InvalidParameter: (422, "Invalid parameter", "invalid-parameter"),
    InvalidQuery: (400, "Invalid query parameter", "invalid-query"),
    AddressNotFound: (422, "Address not found", "address-not-found"),
    AmbiguousAddress: (422, "Address is ambiguous", "address-ambiguous"),
    AddressOutsideCity: (422, "Address outside Philadelphia", "address-outside-city"),
    Unroutable: (422, "Stop cannot be routed", "unroutable"),
    NotFound: (404, "Not found", "not-found"),
    Forbidden: (403, "Forbidden", "forbidden"),
    QuotaExceeded: (403, "Quota exceeded", "quota-exceeded"),
    StorageFull: (507, "Insufficient storage", "storage-full"),
    PayloadTooLarge: (413, "Request body too large", "payload-too-large"),
    TooManyRequests: (429, "Too many requests", "rate-limited"),
    ServiceUnavailable: (503, "Service unavailable", "service-unavailable"),
}


def status_for(exc: FilmtourError) -> tuple[int, str, str]:
    """(status, title, slug) of a domain exception, from DEFAULT_STATUS_CODES by its nearest listed class."""
    for cls in type(exc).__mro__:
        if cls in DEFAULT_STATUS_CODES:
            return DEFAULT_STATUS_CODES[cls]
    raise TypeError(f"not a domain exception: {exc!r}")  # pragma: no cover (FilmtourError is listed)


DISK_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
PG_DISK_FULL = "53100"


def storage_problem(exc: BaseException) -> FilmtourError | None:
    """What a failed write means for the client, found anywhere in the exception's chain (SQLAlchemy's wrapper,
    the driver's error, ``limits``' StorageError, an OSError): no space left (SQLite's SQLITE_FULL, PostgreSQL's
    disk_full, ENOSPC/EDQUOT/EFBIG) is 507; a disk that fails writes (SQLITE_IOERR*, read-only) is 503. None for
    anything else (a real bug stays a logged 500)."""
    todo: list[BaseException | None] = [exc]
    seen: set[int] = set()
    while todo:
        e = todo.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        name = str(getattr(e, "sqlite_errorname", "") or "")
        sqlstate = getattr(e, "sqlstate", None)
        if (
            name == "SQLITE_FULL"
            or sqlstate == PG_DISK_FULL
            or (isinstance(e, OSError) and e.errno in DISK_FULL_ERRNOS)
        ):
            return StorageFull("the database's disk is full: nothing can be saved now (reading still works)")
        if name.startswith(("SQLITE_IOERR", "SQLITE_READONLY")):
            return ServiceUnavailable(
                f"the database cannot be written just now ({name}); try again later", retry_after_s=30
            )
        todo += [getattr(e, "orig", None), getattr(e, "storage_error", None), e.__cause__, e.__context__]
    return None


def problem_for(exc: FilmtourError) -> Problem:
    status, title, slug = status_for(exc)
    headers = {"Retry-After": str(exc.retry_after_s)} if isinstance(exc, RetryLater) else {}
    return Problem(status, title, slug, exc.detail, exc.field, headers, dict(exc.extra))


def problem_response(problem: Problem | FilmtourError, request: Request | None = None) -> JSONResponse:
    if isinstance(problem, FilmtourError):
        problem = problem_for(problem)
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
    status, title, slug = DEFAULT_STATUS_CODES[InvalidParameter]
    return Problem(status, title, slug, detail, first["field"], extra={"errors": errors})


_HTTP_TITLES = {
    404: DEFAULT_STATUS_CODES[NotFound][1:],
    405: ("Method not allowed", "method-not-allowed"),
    413: DEFAULT_STATUS_CODES[PayloadTooLarge][1:],
}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(FilmtourError)
    async def _domain(request: Request, exc: FilmtourError) -> JSONResponse:
        return problem_response(problem_for(exc), request)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        return problem_response(_validation_problem(exc), request)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        title, slug = _HTTP_TITLES.get(exc.status_code, ("HTTP error", "http-error"))
        field = "body" if exc.status_code == 413 else None
        p = Problem(exc.status_code, title, slug, str(exc.detail), field, dict(exc.headers or {}))
        return problem_response(p, request)

    @app.exception_handler(SQLAlchemyError)
    @app.exception_handler(OSError)
    async def _storage(request: Request, exc: Exception) -> JSONResponse:
        # Handled here, not as a 500 (Starlette re-raises those, and the server then drops the connection).
        storage = storage_problem(exc)
        if storage is None:
            raise exc  # a bug of ours: the 500 handler below logs it
        log.error("%s (%s on %s %s)", storage.detail, type(exc).__name__, request.method, request.url.path)
        return problem_response(problem_for(storage), request)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        p = Problem(
            500, "Internal server error", "internal", "An internal error occurred; it has been logged."
        )
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
