"""The pocket tour: what a tour or route page needs to work with no network (issue 11 item 4). The page's
offline script fetches this list, stores every URL in the browser's Cache Storage and the service worker
(app/static/filmtour/sw.js) answers from it once the network is gone.

The basemap tiles are those of the route's corridor: the line buffered by ``CORRIDOR_M`` metres (shapely),
the tiles z10–16 that touch it (mercantile), and of those only the tiles the archive holds."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

import mercantile
import shapely
from shapely.geometry import LineString

from app.maps.basemap import MAX_ZOOM, MIN_ZOOM
from app.schemas import route_document
from app.schemas.route_document import RouteDocument

CORRIDOR_M = 400  # metres either side of the line
TileGetter = Callable[[int, int, int], bytes | None]


def route_line(fc: RouteDocument) -> list[tuple[float, float]]:
    """The route feature's [lon, lat] coordinates."""
    return [(c[0], c[1]) for c in route_document.route_line(fc)["geometry"]["coordinates"]]


def corridor_tiles(
    coords: list[tuple[float, float]], *, metres: float = CORRIDOR_M, zooms: Iterable[int] | None = None
) -> list[mercantile.Tile]:
    """The tiles (z10–16 unless told) within ``metres`` of the line, in z, x, y order."""
    zooms = list(zooms if zooms is not None else range(MIN_ZOOM, MAX_ZOOM + 1))
    xy = [mercantile.xy(lon, lat) for lon, lat in coords]
    # Web Mercator stretches distances by 1/cos(latitude): buffer by the ground distance at the line's latitude.
    mid_lat = sum(lat for _, lat in coords) / len(coords)
    line = LineString(xy) if len(xy) > 1 else shapely.Point(xy[0])
    corridor = line.buffer(metres / math.cos(math.radians(mid_lat)))
    west, south, east, north = shapely.bounds(corridor)
    (w, s), (e, n) = mercantile.lnglat(west, south), mercantile.lnglat(east, north)
    candidates = list(mercantile.tiles(w, s, e, n, zooms=zooms))
    boxes = [shapely.box(*mercantile.xy_bounds(t)) for t in candidates]
    touches = shapely.intersects(boxes, corridor)
    return sorted(
        (t for t, hit in zip(candidates, touches, strict=True) if hit), key=lambda t: (t.z, t.x, t.y)
    )


def offline_pack(
    fc: RouteDocument,
    *,
    page: str,
    api_url: str,
    assets: list[str],
    tile_url: str,
    get_tile: TileGetter | None,
) -> dict[str, Any]:
    """What the "Save for offline" button stores for one page: the page, its scripts and stylesheets, the route
    as JSON, its GPX and cue sheet, and the corridor's tiles that exist (with their bytes, as stored)."""
    tiles, tile_bytes = [], 0
    if get_tile is not None:
        for t in corridor_tiles(route_line(fc)):
            data = get_tile(t.z, t.x, t.y)
            if data is not None:
                tiles.append(
                    tile_url.replace("{z}", str(t.z)).replace("{x}", str(t.x)).replace("{y}", str(t.y))
                )
                tile_bytes += len(data)
    documents = [page, api_url, f"{api_url}?format=gpx", f"{api_url}?format=txt"]
    return {
        "page": page,
        "urls": [*documents, *assets, *tiles],
        "tiles": len(tiles),
        "tile_bytes": tile_bytes,
        "corridor_m": CORRIDOR_M,
        "zooms": [MIN_ZOOM, MAX_ZOOM],
    }
