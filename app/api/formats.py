"""Route representations: GeoJSON (default), GPX, KML and a plain-text cue sheet, by ?format= or Accept."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Header, Query, Request, Response

from app.api.caching import GEOJSON, cached_response, dumps, one_item
from app.core.exceptions import InvalidParameter
from app.core.negotiation import acceptable
from app.schemas.route_document import RouteDocument
from app.services import exports

FORMATS = {
    "geojson": GEOJSON,
    "gpx": "application/gpx+xml",
    "kml": "application/vnd.google-earth.kml+xml",
    "txt": "text/plain; charset=utf-8",
}
# The other representations, for the OpenAPI document (the GeoJSON one is the endpoint's response model).
EXPORT_CONTENT: dict[str, Any] = {
    media: {"schema": {"type": "string"}} for fmt, media in FORMATS.items() if fmt != "geojson"
}


def route_responses(unknown: str) -> dict[int | str, dict[str, Any]]:
    """The documented answers of an endpoint that sends one route (a saved route, a tour) in every format."""
    return {200: {"content": EXPORT_CONTENT}, **one_item(unknown)}


FormatQuery = Annotated[str | None, Query(description="geojson | gpx | kml | txt (else from Accept)")]
AcceptHeader = Annotated[str | None, Header(include_in_schema=False)]
ACCEPT_TO_FORMAT = {
    "application/geo+json": "geojson",
    "application/json": "geojson",
    "application/gpx+xml": "gpx",
    "application/vnd.google-earth.kml+xml": "kml",
    "text/plain": "txt",
}


def choose_format(fmt: str | None, accept: str | None) -> str:
    if fmt:
        if fmt not in FORMATS:
            raise InvalidParameter(f"format must be one of {', '.join(FORMATS)}", field="format")
        return fmt
    for media in acceptable(accept):  # most wanted first (q-values), q=0 refused
        if media in ACCEPT_TO_FORMAT:
            return ACCEPT_TO_FORMAT[media]
    return "geojson"


def render(fc: RouteDocument, fmt: str, link: str) -> bytes:
    if fmt == "gpx":
        return exports.to_gpx(fc, link=link).encode()
    if fmt == "kml":
        return exports.to_kml(fc).encode()
    if fmt == "txt":
        return exports.to_cue_sheet(fc).encode()
    return dumps(fc)


def attachment_headers(fmt: str, name: str) -> dict[str, str]:
    """Exports come as a named attachment (for watches and apps); GeoJSON is shown."""
    return (
        {} if fmt == "geojson" else {"Content-Disposition": f'attachment; filename="filmtour-{name}.{fmt}"'}
    )


def route_response(
    request: Request, fc: RouteDocument, fmt: str, *, link: str, name: str, max_age: int = 300
) -> Response:
    """The route in the chosen format."""
    headers = attachment_headers(fmt, name)
    return cached_response(
        request, render(fc, fmt, link), media_type=FORMATS[fmt], max_age=max_age, headers=headers
    )
