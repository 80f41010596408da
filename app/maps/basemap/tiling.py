"""Cutting the layers into Mapbox Vector Tiles: per zoom, the features shown there, simplified to half a tile
unit and without the areas too small to see; per tile, clipped to the tile and its buffer (GEOS's rectangle
clip), lines of the same class and name joined into one (fewer features, longer lines to carry a name), and
encoded with mapbox-vector-tile (which also quantises coordinates to the tile's 4096 grid)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import mapbox_vector_tile
import mercantile
import numpy as np
import shapely

from app.maps.basemap.sources import LABEL_ZOOM, LAYERS, Layers

EXTENT = 4096  # tile units across a tile from LABEL_ZOOM up: 1/16 px, sharp when z16 is overzoomed to z19
LOW_EXTENT = 1024  # below it 1/4 px is plenty, and shorter coordinate deltas make a z13 tile ~30 % smaller
BUFFER = 1 / 64  # of a tile's width around each tile, so lines meet cleanly at tile edges
PIXELS = 256  # a tile's width on screen
MIN_AREA_PX = 4  # areas smaller than this many square pixels are left out at a zoom
LINE_LAYERS = frozenset({"rail", "trails", "roads", "steps"})
POINT_LAYERS = frozenset({"places", "labels"})
NAMED_LINES = frozenset({"roads"})


@dataclass(frozen=True)
class ZoomLayer:
    geoms: np.ndarray  # shapely geometries, simplified for the zoom
    props: list[dict[str, Any]]
    tree: shapely.STRtree


def tile_width(z: int) -> float:
    return 2 * mercantile.CE / 2**z


def extent(z: int) -> int:
    return EXTENT if z >= LABEL_ZOOM else LOW_EXTENT


def prepare_zoom(layers: Layers, z: int) -> dict[str, ZoomLayer]:
    """Every layer's features that show at zoom ``z``, simplified and indexed for clipping."""
    unit = tile_width(z) / extent(z)
    min_area = MIN_AREA_PX * (tile_width(z) / PIXELS) ** 2
    out = {}
    for name in LAYERS:
        feats = [f for f in layers.features[name] if f.min_zoom <= z <= f.max_zoom]
        geoms = np.array([f.geom for f in feats], dtype=object)
        props = [f.props for f in feats]
        if name in NAMED_LINES and z < LABEL_ZOOM:
            props = [{k: v for k, v in p.items() if k != "name"} for p in props]
        if name not in POINT_LAYERS and len(geoms):
            geoms = shapely.simplify(geoms, unit / 2)
            if name not in LINE_LAYERS:
                keep = shapely.area(geoms) >= min_area
                geoms, props = geoms[keep], [p for p, k in zip(props, keep, strict=True) if k]
        out[name] = ZoomLayer(geoms, props, shapely.STRtree(geoms))
    return out


def _joined_lines(geoms: list[Any], props: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One feature per set of properties, its lines merged where they meet end to end."""
    groups: dict[tuple, list[Any]] = {}
    for geom, p in zip(geoms, props, strict=True):
        groups.setdefault(tuple(sorted(p.items())), []).append(geom)
    out = []
    for key, parts in groups.items():
        lines = [g for g in shapely.get_parts(parts) if g.geom_type == "LineString" and not g.is_empty]
        if lines:
            merged = shapely.line_merge(shapely.multilinestrings(lines))
            out.append({"geometry": merged, "properties": dict(key)})
    return out


def tile_features(zoom: dict[str, ZoomLayer], tile: mercantile.Tile) -> list[dict[str, Any]]:
    """The tile's layers as mapbox-vector-tile wants them (empty layers left out)."""
    bounds = mercantile.xy_bounds(tile)
    pad = (bounds.right - bounds.left) * BUFFER
    padded = (bounds.left - pad, bounds.bottom - pad, bounds.right + pad, bounds.top + pad)
    out = []
    for name, layer in zoom.items():
        if not len(layer.geoms):
            continue
        if name in POINT_LAYERS:
            # Points only in their own tile: a label in two tiles' buffers would be placed twice.
            rect = (bounds.left, bounds.bottom, bounds.right, bounds.top)
            idx = layer.tree.query(shapely.box(*rect), predicate="intersects")
            features = [{"geometry": layer.geoms[i], "properties": layer.props[i]} for i in sorted(idx)]
        else:
            idx = np.sort(layer.tree.query(shapely.box(*padded)))
            clipped = shapely.clip_by_rect(layer.geoms[idx], *padded)
            keep = ~shapely.is_empty(clipped)
            geoms, props = list(clipped[keep]), [layer.props[i] for i in idx[keep]]
            if name in LINE_LAYERS:
                features = _joined_lines(geoms, props)
            else:
                features = [{"geometry": g, "properties": p} for g, p in zip(geoms, props, strict=True)]
        if features:
            out.append({"name": name, "features": _on_grid(features, bounds, extent(tile.z))})
    return out


def _on_grid(features: list[dict[str, Any]], bounds: mercantile.Bbox, size: int) -> list[dict[str, Any]]:
    """Geometries in tile units (0..size, y up) snapped to the integer grid, done here for a whole layer at once
    (mapbox-vector-tile's own quantising runs in Python point by point). GEOS's precision reduction drops
    repeated points and the parts of an area that collapse on the grid; what collapses entirely is left out."""
    scale = np.array([size / (bounds.right - bounds.left), size / (bounds.top - bounds.bottom)])
    origin = np.array([bounds.left, bounds.bottom])
    geoms = np.array([f["geometry"] for f in features], dtype=object)
    on_grid = shapely.set_precision(shapely.transform(geoms, lambda c: (c - origin) * scale), 1.0)
    return [{**f, "geometry": g} for f, g in zip(features, on_grid, strict=True) if not g.is_empty]


def label_count(layers: list[dict[str, Any]]) -> int:
    """How many features of a tile carry a name to draw (street and trail lines, label points)."""
    return sum(
        1
        for layer in layers
        if layer["name"] in NAMED_LINES or layer["name"] == "labels"
        for f in layer["features"]
        if f["properties"].get("name")
    )


def encode_tile(tile: mercantile.Tile, layers: list[dict[str, Any]]) -> bytes:
    """The tile's MVT bytes (uncompressed), or b"" when it has nothing to draw."""
    if not layers:
        return b""
    return mapbox_vector_tile.encode(
        layers, default_options={"extents": extent(tile.z), "y_coord_down": False}
    )
