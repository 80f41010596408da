"""Domain exceptions: what went wrong, in the service's own terms. Routing, database, services and core code
raise these; none of them knows about HTTP. ``app.core.errors`` maps each class to an RFC 9457 problem type and
a status code in one table, so status codes live in one place only."""

from __future__ import annotations

from typing import Any


class FilmtourError(Exception):
    """An error meant for the client. ``field`` names the offending parameter, when there is one; ``extra``
    holds further members of the problem document (``skipped``, ``errors``, ...)."""

    def __init__(self, detail: str, *, field: str | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field
        self.extra = extra


class InvalidParameter(FilmtourError, ValueError):
    """The request is malformed or asks for something impossible; ``field`` says which part."""


class AddressNotFound(InvalidParameter):
    """No address, cross street, landmark or place of ours matches the text."""


class AmbiguousAddress(InvalidParameter):
    """The text matches places far apart (or a whole street); ``candidates`` lists them, best first."""


class AddressOutsideCity(InvalidParameter):
    """The text names a place outside Philadelphia (another state, a ZIP code not 191xx, a suburb)."""


class NotFound(FilmtourError):
    """The thing asked for does not exist."""


class Unroutable(FilmtourError):
    """A stop cannot be reached on foot."""


class Forbidden(FilmtourError):
    """The caller may not do this (e.g. delete a route without its token)."""


class QuotaExceeded(FilmtourError):
    """The client holds as many saved things as it may (saved routes per client)."""


class StorageFull(FilmtourError):
    """The database's disk is full: nothing can be saved until space is freed."""


class PayloadTooLarge(FilmtourError):
    """The request body is larger than allowed."""


class RetryLater(FilmtourError):
    """Base for errors the client may retry after ``retry_after_s`` seconds."""

    default_retry_after_s = 30

    def __init__(self, detail: str, *, retry_after_s: int | None = None, **kw: Any) -> None:
        super().__init__(detail, **kw)
        self.retry_after_s = self.default_retry_after_s if retry_after_s is None else retry_after_s


class ServiceUnavailable(RetryLater):
    """A part we depend on (routing service, geocoder, database) is down."""


class TooManyRequests(RetryLater):
    """The client is over its rate limit."""

    default_retry_after_s = 60


class InvalidQuery(InvalidParameter):
    """A malformed query parameter where the standard the endpoint follows says 400, not 422 (OGC API –
    Features: unknown parameters, a bad ``limit``, ``bbox`` or ``datetime``)."""
