"""Share cards: the 1200×630 PNG a link preview (Open Graph, Twitter) shows, drawn from our own vector basemap
(the PMTiles archive's water, parks, rail and streets), the route line, numbered stops and the title. No outside
request: the tiles are read from the archive on disk and the font is the one Pillow ships.

Drawn with Pillow's ImageDraw at twice the size and scaled down (antialiasing by supersampling; the title band
after, at the output size: FreeType antialiases text), then reduced to
a 128-colour palette (a map has few colours; ~3× smaller than RGB). Pillow was chosen over pycairo (needs the
system's cairo library) and skia-python (the whole Skia engine): it imports in 40–80 ms and the project already used it
in its tests."""

from __future__ import annotations

import gzip
import io
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import mapbox_vector_tile
import mercantile
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from app.maps.basemap import MAX_ZOOM, MIN_ZOOM, TileArchive
from app.maps.card_content import (
    BAND,
    CASING,
    INK,
    LAND,
    MUTED,
    PARK,
    RAIL,
    ROUTE_COLOUR,
    SIZE,
    STREET,
    WATER,
    Card,
)

SS = 2  # supersampling factor
ROAD_WIDTH = {"major": 5, "street": 3, "service": 2, "path": 1.5}
WORLD_M = 2 * math.pi * 6378137.0
MAX_TILES = 24
MIN_SPAN_M = 900.0  # a single place still shows its neighbourhood
PNG_LIMIT = 200_000


@lru_cache(maxsize=4)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def _mercator(points: list[tuple[float, float]]) -> np.ndarray:
    lon = np.radians(np.asarray([p[0] for p in points], dtype=float))
    lat = np.radians(np.clip([p[1] for p in points], -85.05, 85.05))
    return np.column_stack([6378137.0 * lon, 6378137.0 * np.log(np.tan(np.pi / 4 + lat / 2))])


@dataclass(frozen=True)
class View:
    """The map's window in web-mercator metres and its scale (supersampled pixels per metre)."""

    west: float
    north: float
    scale: float

    def px(self, xy: np.ndarray) -> list[tuple[float, float]]:
        out = np.column_stack([(xy[:, 0] - self.west) * self.scale, (self.north - xy[:, 1]) * self.scale])
        return [tuple(p) for p in out.tolist()]


def _view(card: Card) -> View:
    points = [p for line in card.lines for p in line] + list(card.stops)
    xy = _mercator(points or [(-75.1652, 39.9526)])
    (x0, y0), (x1, y1) = xy.min(axis=0), xy.max(axis=0)
    width, height = SIZE[0] * SS, (SIZE[1] - BAND) * SS
    pad = 0.12
    span_x = max(x1 - x0, MIN_SPAN_M) * (1 + 2 * pad)
    span_y = max(y1 - y0, MIN_SPAN_M * height / width) * (1 + 2 * pad)
    scale = min(width / span_x, height / span_y)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    return View(west=cx - SIZE[0] * SS / 2 / scale, north=cy + height / 2 / scale, scale=scale)


def _zoom(view: View) -> int:
    """The data zoom whose tiles are about 768 output pixels wide at this scale: fewer, coarser tiles draw
    faster (decoding is pure Python) and a card is seen small anyway."""
    z = round(math.log2(WORLD_M * view.scale / SS / 768))
    return max(MIN_ZOOM, min(MAX_ZOOM, z))


def _tiles(archive: TileArchive, view: View) -> list[tuple[mercantile.Tile, dict[str, Any]]]:
    w, h = SIZE[0] * SS / view.scale, SIZE[1] * SS / view.scale
    west, south = mercantile.lnglat(view.west, view.north - h)
    east, north = mercantile.lnglat(view.west + w, view.north)

    def count(z: int) -> int:
        ul, lr = mercantile.tile(west, north, z), mercantile.tile(east, south, z)
        return (lr.x - ul.x + 1) * (lr.y - ul.y + 1)

    z = _zoom(view)
    while z > MIN_ZOOM and count(z) > MAX_TILES:
        z -= 1
    if count(z) > MAX_TILES:  # wider than the basemap's smallest zoom can draw cheaply: land only
        return []
    out = []
    for t in mercantile.tiles(west, south, east, north, z):
        decoded = _decoded_tile(archive, t.z, t.x, t.y)
        if decoded:
            out.append((t, decoded))
    return out


_TILE_CACHE: OrderedDict[tuple[str, int, int, int], dict[str, Any] | None] = OrderedDict()
_TILE_CACHE_SIZE = 128  # decoded tiles (~0.1-0.3 MB each): cards of one city share most of theirs
_TILE_LOCK = threading.Lock()


def clear_tile_cache() -> None:
    """Forget the decoded tiles (a benchmark's cold start)."""
    with _TILE_LOCK:
        _TILE_CACHE.clear()


def _decoded_tile(archive: TileArchive, z: int, x: int, y: int) -> dict[str, Any] | None:
    """A tile decoded to GeoJSON-like features, kept: the pmtiles reader parses its directories on every read
    (~20 ms a tile) and decoding is pure Python, so the tiles a later card shares with an earlier one are free."""
    key = (archive.version, z, x, y)
    with _TILE_LOCK:
        if key in _TILE_CACHE:
            _TILE_CACHE.move_to_end(key)
            return _TILE_CACHE[key]
    data = archive.get(z, x, y)
    decoded = (
        mapbox_vector_tile.decode(gzip.decompress(data), default_options={"y_coord_down": True})
        if data
        else None
    )
    with _TILE_LOCK:
        _TILE_CACHE[key] = decoded
        while len(_TILE_CACHE) > _TILE_CACHE_SIZE:
            _TILE_CACHE.popitem(last=False)
    return decoded


def _rings(geom: dict[str, Any]) -> list[list[list[float]]]:
    if geom["type"] == "Polygon":
        return [geom["coordinates"][0]]
    if geom["type"] == "MultiPolygon":
        return [poly[0] for poly in geom["coordinates"]]
    return []


def _paths(geom: dict[str, Any]) -> list[list[list[float]]]:
    if geom["type"] == "LineString":
        return [geom["coordinates"]]
    if geom["type"] == "MultiLineString":
        return geom["coordinates"]
    return []


def _draw_basemap(draw: ImageDraw.ImageDraw, view: View, tiles: list[tuple[mercantile.Tile, dict]]) -> None:
    layers: dict[str, list[list[tuple[float, float]]]] = {"parks": [], "water": [], "rail": []}
    roads: dict[str, list[list[tuple[float, float]]]] = {cls: [] for cls in ROAD_WIDTH}
    for tile, decoded in tiles:
        # tile units -> supersampled pixels: one affine map per tile (no per-point projection)
        b = mercantile.xy_bounds(tile)
        ox, oy = (b.left - view.west) * view.scale, (view.north - b.top) * view.scale

        def features(
            layer: str, decoded: dict[str, Any] = decoded, b: mercantile.Bbox = b
        ) -> tuple[list[dict[str, Any]], float]:
            # each layer says its own extent (the basemap uses 1024 below the label zoom, 4096 from it)
            found = decoded.get(layer, {})
            return found.get("features", []), (b.right - b.left) / found.get("extent", 4096) * view.scale

        def px(
            coords: list[list[float]], k: float, ox: float = ox, oy: float = oy
        ) -> list[tuple[float, float]]:
            return [(ox + x * k, oy + y * k) for x, y in coords]

        for layer in ("parks", "water"):
            feats, k = features(layer)
            for feat in feats:
                layers[layer] += [px(ring, k) for ring in _rings(feat["geometry"]) if len(ring) >= 3]
        feats, k = features("rail")
        for feat in feats:
            layers["rail"] += [px(path, k) for path in _paths(feat["geometry"])]
        feats, k = features("roads")
        for feat in feats:
            cls = str(feat["properties"].get("class"))
            roads.get(cls, roads["street"]).extend(px(path, k) for path in _paths(feat["geometry"]))
    for ring in layers["parks"]:
        draw.polygon(ring, fill=PARK)
    for ring in layers["water"]:
        draw.polygon(ring, fill=WATER)
    for path in layers["rail"]:
        draw.line(path, fill=RAIL, width=2 * SS)
    for cls in ("path", "service", "street", "major"):  # the big streets on top
        width = round(ROAD_WIDTH[cls] * SS)
        colour = CASING if cls == "path" else STREET
        for path in roads[cls]:
            draw.line(path, fill=colour, width=width)


def _fit(text: str, font: Any, width: float) -> str:
    if font.getlength(text) <= width:
        return text
    while text and font.getlength(text + "…") > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _draw_route(draw: ImageDraw.ImageDraw, view: View, card: Card) -> None:
    for line in card.lines:
        if len(line) >= 2:
            pts = view.px(_mercator(line))
            draw.line(pts, fill=STREET, width=11 * SS, joint="curve")
            draw.line(pts, fill=ROUTE_COLOUR, width=7 * SS, joint="curve")
    font = _font(15 * SS)
    r = (card.radius or (14 if card.numbered else 7)) * SS
    for n, (x, y) in reversed(list(enumerate(view.px(_mercator(card.stops)) if card.stops else [], 1))):
        draw.ellipse(
            (x - r, y - r, x + r, y + r),
            fill=card.colour,
            outline=STREET,
            width=(3 if card.numbered else 2) * SS,
        )
        if card.numbered:
            draw.text((x, y), str(n), fill=STREET, font=font, anchor="mm")


def _draw_band(draw: ImageDraw.ImageDraw, card: Card) -> None:
    """The title band and the credit, at the output size: FreeType antialiases text itself (drawn at twice the
    size and reduced, the text alone cost a fifth of a card)."""
    w, h = SIZE
    top = h - BAND
    draw.rectangle((0, top, w, h), fill=(255, 255, 255))
    draw.rectangle((0, top, 12, h), fill=ROUTE_COLOUR)
    margin = 40
    title_font, sub_font, small = _font(46), _font(26), _font(15)
    room = w - 2 * margin
    draw.text((margin, top + 22), _fit(card.title, title_font, room), fill=INK, font=title_font)
    draw.text((margin, top + 80), _fit(card.subtitle, sub_font, room), fill=MUTED, font=sub_font)
    credit = _fit(f"filmtour · Map {card.credit}", small, room)
    draw.text((w - margin, top - 10), credit, fill=MUTED, font=small, anchor="rd")


def render_card(card: Card, archive: TileArchive | None) -> bytes:
    """The card as PNG bytes (1200×630, palette; ≤ 200 KB). Without a basemap archive: land, route, title."""
    view = _view(card)
    image = Image.new("RGB", (SIZE[0] * SS, SIZE[1] * SS), LAND)
    draw = ImageDraw.Draw(image)
    if archive is not None:
        _draw_basemap(draw, view, _tiles(archive, view))
    _draw_route(draw, view, card)
    small = image.reduce(SS)  # a box filter: the supersampling's antialiasing, ~10 ms against LANCZOS's ~100
    _draw_band(ImageDraw.Draw(small), card)
    for colours in (128, 64, 32):
        out = io.BytesIO()
        # level 6 (zlib's default): 2 % larger than 7 and ~30 % less time (~4.7 ms against ~6.5 a card)
        small.quantize(colors=colours, method=Image.Quantize.FASTOCTREE).save(out, "PNG", compress_level=6)
        if out.tell() <= PNG_LIMIT:
            break
    return out.getvalue()
