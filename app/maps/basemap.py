"""Our own vector basemap: Mapbox Vector Tiles (z12–16) from the OSM extract the router uses, the shipped
water/parks/rail layers and the dataset's places, packed as one PMTiles archive.

Heavy lifting is done by libraries: pyosmium reads the extract, shapely clips and simplifies, mercantile
does the tile maths, mapbox-vector-tile encodes, pmtiles packs and reads. Layout under
``settings.basemap_root``::

    <key>/basemap.pmtiles   the archive
    <key>/stamp.json        written last: its presence means the build finished

``key`` hashes every input (extract, layer files, the places' id/name/geometry/visitable) and the builder's
version, so any change rebuilds; the build happens in a temporary directory renamed into place, under the
same kind of file lock as the routing tiles, and a damaged archive is rebuilt."""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import shutil
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import mapbox_vector_tile
import mercantile
import numpy as np
import osmium
import shapely
from pmtiles.reader import MmapSource, Reader
from pmtiles.tile import Compression, TileType, zxy_to_tileid
from pmtiles.writer import Writer
from shapely.geometry import LineString, Point, Polygon, shape

from app.core.config import Settings
from app.core.files import ProgressFn, build_lock, file_sha256

log = logging.getLogger(__name__)

BUILDER_VERSION = "1"
MIN_ZOOM, MAX_ZOOM = 12, 16
LABEL_ZOOM = 15  # street names from here
EXTENT = 4096
BUFFER = 64  # tile units around each tile, so lines and labels meet cleanly at tile edges
LAYER_FILES = ("water", "parks", "rail")
CREDIT = (
    "© OpenStreetMap contributors (ODbL); Street centerline, water and parks: City of Philadelphia; "
    "rivers and rail: DVRPC"
)
ROAD_CLASS = {
    **dict.fromkeys(("motorway", "trunk", "primary", "secondary", "motorway_link", "trunk_link"), "major"),
    **dict.fromkeys(("primary_link", "secondary_link", "tertiary", "tertiary_link"), "major"),
    **dict.fromkeys(("residential", "unclassified", "living_street", "road"), "street"),
    "service": "service",
    **dict.fromkeys(("footway", "path", "cycleway", "bridleway", "pedestrian", "track", "corridor"), "path"),
}
# The smallest zoom each road class appears at: a z12 tile covers ~10 km, where only the big streets help.
ROAD_MIN_ZOOM = {"major": 12, "street": 13, "service": 14, "path": 14}


class BasemapBuildError(RuntimeError):
    """The basemap could not be built (missing input, unreadable layer)."""


@dataclass(frozen=True)
class Basemap:
    directory: Path

    @property
    def archive(self) -> Path:
        return self.directory / "basemap.pmtiles"

    @property
    def version(self) -> str:
        return self.directory.name.split("-", 1)[0]


_xy = np.vectorize(mercantile.xy)


def _to_mercator(coords: np.ndarray) -> np.ndarray:
    return np.column_stack(_xy(coords[:, 0], coords[:, 1]))


@dataclass
class Layers:
    """Features by layer, in web-mercator metres, each with its minimum zoom and properties."""

    features: dict[str, list[tuple[Any, int, dict[str, Any]]]] = field(
        default_factory=lambda: {"water": [], "parks": [], "rail": [], "roads": [], "steps": [], "places": []}
    )

    def add(self, layer: str, geom_lonlat: Any, min_zoom: int, props: dict[str, Any]) -> None:
        if geom_lonlat is None or geom_lonlat.is_empty:
            return
        self.features[layer].append((shapely.transform(geom_lonlat, _to_mercator), min_zoom, props))


def basemap_inputs(settings: Settings, pbf: Path) -> dict[str, str]:
    """Every input's sha256 (places: only the fields the basemap shows), for the cache key."""
    inputs = {"pbf": file_sha256(pbf)}
    for name in LAYER_FILES:
        path = settings.basemap_layers_dir / f"{name}.geojson"
        inputs[name] = file_sha256(path) if path.is_file() else "-"
    inputs["places"] = hashlib.sha256(json.dumps(_places(settings.locations_file)).encode()).hexdigest()
    return inputs


def basemap_key(inputs: dict[str, str]) -> str:
    digest = hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()
    return f"{digest[:16]}-basemap-{BUILDER_VERSION}"


def _places(path: Path) -> list[dict[str, Any]]:
    """Only id, name, geometry and visitable: the rest of the dataset's format is not the basemap's business."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    places = []
    for f in doc.get("features", []):
        props = f.get("properties") or {}
        if (f.get("geometry") or {}).get("type") != "Point":
            continue
        places.append(
            {
                "id": f.get("id") or props.get("id"),
                "name": props.get("name"),
                "visitable": props.get("visitable"),
                "coordinates": f["geometry"]["coordinates"][:2],
            }
        )
    return places


def read_stamp(basemap: Basemap) -> dict[str, Any] | None:
    try:
        return json.loads((basemap.directory / "stamp.json").read_text())
    except (OSError, ValueError):
        return None


def is_complete(basemap: Basemap) -> bool:
    """A finished build whose archive opens, has our zooms and its recorded size."""
    stamp = read_stamp(basemap)
    if not stamp or stamp.get("builder") != BUILDER_VERSION:
        return False
    try:
        if basemap.archive.stat().st_size != stamp.get("bytes"):
            return False
        with basemap.archive.open("rb") as f:
            header = Reader(MmapSource(f)).header()
        return header["min_zoom"] == MIN_ZOOM and header["max_zoom"] == MAX_ZOOM
    except Exception:  # noqa: BLE001 -- pmtiles raises bare Exception on a damaged header
        return False


def ensure_basemap(
    settings: Settings, *, pbf: Path | None = None, progress: ProgressFn | None = None, force: bool = False
) -> Basemap:
    """Return the finished basemap for the current inputs, building it first when missing, stale or damaged."""
    pbf = Path(pbf or settings.active_extract)
    if not pbf.is_file():
        raise BasemapBuildError(f"OSM extract not found: {pbf}")
    inputs = basemap_inputs(settings, pbf)
    basemap = Basemap(settings.basemap_root / basemap_key(inputs))
    if not force and is_complete(basemap):
        return basemap
    with build_lock(settings.basemap_root):
        if not force and is_complete(basemap):
            return basemap
        build_basemap(settings, pbf, basemap.directory, inputs, progress=progress)
        for other in settings.basemap_root.iterdir():
            if other.is_dir() and "-basemap-" in other.name and other != basemap.directory:
                shutil.rmtree(other, ignore_errors=True)
    return basemap


def current_basemap(settings: Settings) -> Basemap | None:
    """The newest finished build, without hashing the inputs (for serving tiles)."""
    if not settings.basemap_root.is_dir():
        return None
    builds = [Basemap(d) for d in settings.basemap_root.iterdir() if d.is_dir() and "-basemap-" in d.name]
    done = [b for b in builds if read_stamp(b)]
    return max(done, key=lambda b: (read_stamp(b) or {}).get("built_at", 0), default=None)


def _read_osm(pbf: Path, layers: Layers) -> None:
    for way in osmium.FileProcessor(str(pbf), osmium.osm.NODE | osmium.osm.WAY).with_locations():
        if not way.is_way():
            continue
        tags = way.tags
        try:
            coords = [(n.lon, n.lat) for n in way.nodes]
        except osmium.InvalidLocationError:
            continue
        if len(coords) < 2:
            continue
        highway = tags.get("highway")
        name = tags.get("name")
        if highway == "steps":
            layers.add("steps", LineString(coords), 14, {})
        elif highway in ROAD_CLASS and tags.get("railway") != "abandoned":
            cls = ROAD_CLASS[highway]
            props = {"class": cls, **({"name": name} if name else {})}
            layers.add("roads", LineString(coords), ROAD_MIN_ZOOM[cls], props)
        elif tags.get("railway") == "rail":
            layers.add("rail", LineString(coords), 12, {})
        elif len(coords) >= 4 and coords[0] == coords[-1]:
            # Closed ways from an Overpass fetch (the shipped extract has streets only).
            if tags.get("natural") == "water" or tags.get("waterway") == "riverbank":
                layers.add("water", Polygon(coords).buffer(0), 12, {})
            elif tags.get("leisure") == "park":
                layers.add("parks", Polygon(coords).buffer(0), 12, {"name": name} if name else {})


def _read_layer_files(directory: Path, layers: Layers) -> None:
    for name in LAYER_FILES:
        path = directory / f"{name}.geojson"
        if not path.is_file():
            continue
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise BasemapBuildError(f"{path} is not GeoJSON: {exc}") from exc
        for f in doc.get("features", []):
            geom = shape(f["geometry"])
            if not geom.is_valid:
                geom = geom.buffer(0)
            label = (f.get("properties") or {}).get("name")
            props = {"name": label} if label and name != "water" else {}
            layers.add(name, geom, 12, props)


def _read_places(path: Path, layers: Layers) -> None:
    for p in _places(path):
        props = {k: p[k] for k in ("id", "name", "visitable") if p.get(k) is not None}
        layers.add("places", Point(p["coordinates"]), 12, props)


def _tile_features(
    layer: list[tuple[Any, int, dict[str, Any]]], tree: shapely.STRtree, z: int, box: Polygon
) -> Iterator[dict[str, Any]]:
    for i in tree.query(box):
        geom, min_zoom, props = layer[i]
        if z < min_zoom:
            continue
        clipped = geom.intersection(box)
        if clipped.is_empty:
            continue
        if z < LABEL_ZOOM and "class" in props:
            props = {"class": props["class"]}  # street names only from z15: smaller tiles below
        yield {"geometry": clipped, "properties": props}


def _merged_roads(feats: list[tuple[Any, int, dict[str, Any]]]) -> list[tuple[Any, int, dict[str, Any]]]:
    """One line per (class, name): the extract holds streets in block-long pieces, too short to label."""
    groups: dict[tuple, list] = {}
    for geom, min_zoom, props in feats:
        groups.setdefault((min_zoom, tuple(sorted(props.items()))), []).append(geom)
    return [
        (shapely.line_merge(shapely.union_all(geoms)), min_zoom, dict(props))
        for (min_zoom, props), geoms in groups.items()
    ]


def _simplified(layers: Layers, z: int) -> dict[str, list[tuple[Any, int, dict[str, Any]]]]:
    tolerance = (2 * mercantile.CE / 2**z) / EXTENT / 2  # half a tile unit at this zoom
    out = {}
    for name, feats in layers.features.items():
        feats = [f for f in feats if f[1] <= z]
        if name == "roads":
            feats = _merged_roads(feats)
        out[name] = [(g if name == "places" else g.simplify(tolerance), mz, p) for g, mz, p in feats]
    return out


def _tiles(bounds: tuple[float, float, float, float]) -> Iterable[mercantile.Tile]:
    return mercantile.tiles(*bounds, zooms=range(MIN_ZOOM, MAX_ZOOM + 1))


def build_basemap(
    settings: Settings,
    pbf: Path,
    target: Path,
    inputs: dict[str, str],
    *,
    progress: ProgressFn | None = None,
) -> None:
    started = time.monotonic()
    layers = Layers()
    _read_osm(pbf, layers)
    _read_layer_files(settings.basemap_layers_dir, layers)
    _read_places(settings.locations_file, layers)
    roads = [g for g, _, _ in layers.features["roads"]]
    if not roads:
        raise BasemapBuildError(f"no streets in {pbf}: is it an OSM extract of a city?")
    west, south, east, north = shapely.total_bounds(roads)
    (west, south), (east, north) = mercantile.lnglat(west, south), mercantile.lnglat(east, north)
    bounds = (west, south, east, north)
    tiles = sorted(_tiles(bounds), key=lambda t: zxy_to_tileid(t.z, t.x, t.y))
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".building-", dir=target.parent))
    try:
        by_zoom: dict[int, tuple[dict, dict]] = {}
        written = 0
        with (tmp / "basemap.pmtiles").open("wb") as out:
            writer = Writer(out)
            for done, tile in enumerate(tiles):
                if tile.z not in by_zoom:
                    feats = _simplified(layers, tile.z)
                    trees = {n: shapely.STRtree([g for g, _, _ in f]) for n, f in feats.items()}
                    by_zoom = {tile.z: (feats, trees)}
                feats, trees = by_zoom[tile.z]
                data = encode_tile(tile, feats, trees)
                if data:
                    writer.write_tile(zxy_to_tileid(tile.z, tile.x, tile.y), gzip.compress(data, 9, mtime=0))
                    written += 1
                if progress and (done % 50 == 0 or done == len(tiles) - 1):
                    progress("basemap tiles", done + 1, len(tiles))
            writer.finalize(_header(bounds), _metadata())
        size = (tmp / "basemap.pmtiles").stat().st_size
        stamp = {
            "builder": BUILDER_VERSION,
            "inputs": inputs,
            "tiles": written,
            "bytes": size,
            "bounds": bounds,
            "build_s": round(time.monotonic() - started, 2),
            "built_at": time.time(),
        }
        (tmp / "stamp.json").write_text(json.dumps(stamp, indent=2))
        if target.exists():
            shutil.rmtree(target)
        tmp.rename(target)
        log.info("basemap built: %d tiles, %d bytes in %.1f s", written, size, stamp["build_s"])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def encode_tile(tile: mercantile.Tile, feats: dict, trees: dict) -> bytes:
    bounds = mercantile.xy_bounds(tile)
    pad = (bounds.right - bounds.left) * BUFFER / EXTENT
    box = shapely.box(bounds.left - pad, bounds.bottom - pad, bounds.right + pad, bounds.top + pad)
    out = []
    for name, layer in feats.items():
        features = list(_tile_features(layer, trees[name], tile.z, box))
        if features:
            out.append({"name": name, "features": features})
    if not out:
        return b""
    return mapbox_vector_tile.encode(
        out,
        default_options={
            "quantize_bounds": (bounds.left, bounds.bottom, bounds.right, bounds.top),
            "extents": EXTENT,
            "y_coord_down": False,
        },
    )


def _header(bounds: tuple[float, float, float, float]) -> dict[str, Any]:
    west, south, east, north = bounds
    return {
        "tile_type": TileType.MVT,
        "tile_compression": Compression.GZIP,
        "min_zoom": MIN_ZOOM,
        "max_zoom": MAX_ZOOM,
        "min_lon_e7": int(west * 1e7),
        "min_lat_e7": int(south * 1e7),
        "max_lon_e7": int(east * 1e7),
        "max_lat_e7": int(north * 1e7),
        "center_zoom": 14,
        "center_lon_e7": int((west + east) / 2 * 1e7),
        "center_lat_e7": int((south + north) / 2 * 1e7),
    }


def _metadata() -> dict[str, Any]:
    return {
        "name": "filmtour basemap",
        "attribution": CREDIT,
        "vector_layers": [
            {"id": n, "minzoom": MIN_ZOOM, "maxzoom": MAX_ZOOM}
            for n in ("water", "parks", "rail", "roads", "steps", "places")
        ],
    }


class TileArchive:
    """Read tiles from a finished archive (memory-mapped; safe to share between threads for reads)."""

    def __init__(self, basemap: Basemap) -> None:
        self.basemap = basemap
        self._file = basemap.archive.open("rb")
        self._reader = Reader(MmapSource(self._file))
        self.version = basemap.version

    def get(self, z: int, x: int, y: int) -> bytes | None:
        """The gzip-compressed MVT bytes of one tile, or None where the archive has none."""
        if not MIN_ZOOM <= z <= MAX_ZOOM:
            return None
        return self._reader.get(z, x, y)

    def close(self) -> None:
        self._file.close()


@lru_cache(maxsize=4)
def open_archive(directory: Path) -> TileArchive:
    return TileArchive(Basemap(directory))
