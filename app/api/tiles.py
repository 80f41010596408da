"""The vector basemap, served by us: /tiles/{z}/{x}/{y}.mvt from the PMTiles archive built at startup
(or by `filmtour network build`). Tiles are stored gzip-compressed and sent as they are to every client
that accepts gzip (all browsers; RFC 9110 q-values, app.core.encoding). URLs carry the archive's version (?v=), so versioned ones are immutable."""

from __future__ import annotations

import gzip
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from app.api.caching import not_modified
from app.api.state import app_state
from app.core.encoding import accepts_gzip
from app.core.exceptions import ServiceUnavailable
from app.maps.basemap import TileArchive

router = APIRouter(tags=["maps"])
MVT = "application/vnd.mapbox-vector-tile"
YEAR = "public, max-age=31536000, immutable"


def basemap_archive(request: Request) -> TileArchive:
    archive = app_state(request.app).basemap
    if archive is None:
        raise ServiceUnavailable("the basemap is not built yet: run `filmtour network build`")
    return archive


@router.get(
    "/tiles/{z}/{x}/{y}.mvt",
    summary="One basemap vector tile (Mapbox Vector Tile 2.1)",
    response_class=Response,
    responses={
        200: {
            "content": {MVT: {"schema": {"type": "string", "format": "binary"}}},
            "description": "The tile: a Mapbox Vector Tile 2.1 (protobuf), gzip-encoded when the client accepts it",
        },
        204: {"description": "No map data in this tile (or the tile lies outside the zoom level's grid)"},
        304: {"description": "Not modified (If-None-Match matches the tile's ETag)"},
        503: {"description": "The basemap is not built yet"},
    },
)
def tile(
    request: Request,
    z: Annotated[int, Path(ge=0, le=24)],
    x: Annotated[int, Path(ge=0)],
    y: Annotated[int, Path(ge=0)],
    v: Annotated[str | None, Query(max_length=40, description="Archive version (cache key)")] = None,
) -> Response:
    archive = basemap_archive(request)
    etag = f'"{archive.version}-{z}-{x}-{y}"'
    headers = {
        "ETag": etag,
        "Cache-Control": YEAR if v == archive.version else "public, max-age=3600",
        "Vary": "Accept-Encoding",
        "Access-Control-Allow-Origin": "*",
    }
    if not_modified(request, etag):
        return Response(status_code=304, headers=headers)
    data = archive.get(z, x, y) if x < 2**z and y < 2**z else None
    if data is None:
        return Response(status_code=204, headers=headers)
    if accepts_gzip(request.headers.get("accept-encoding")):
        headers["Content-Encoding"] = "gzip"
    else:
        data = gzip.decompress(data)
    return Response(content=data, media_type=MVT, headers=headers)
