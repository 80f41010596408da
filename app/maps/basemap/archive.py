"""The basemap's PMTiles archive: built once per set of inputs, cached, checked, and read for serving.

Layout under ``settings.basemap_root``::

    <key>/basemap.pmtiles   the archive
    <key>/stamp.json        written last: its presence means the build finished

``key`` hashes every input (extract, layer files, the City's streets, the places' id/name/geometry/visitable)
and the builder's version, so any change rebuilds; the build happens in a temporary directory renamed into
place, under the same kind of file lock as the routing tiles, and a damaged archive is rebuilt."""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import shutil
import tempfile
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import mercantile
from pmtiles.reader import MmapSource, Reader
from pmtiles.tile import Compression, Entry, TileType, deserialize_directory, find_tile, zxy_to_tileid
from pmtiles.writer import Writer

from app.core.config import Settings
from app.core.files import ProgressFn, build_lock
from app.maps.basemap.spec import CREDIT, LAYERS, MAX_ZOOM, MIN_ZOOM, BasemapBuildError, basemap_inputs

log = logging.getLogger(__name__)

BUILDER_VERSION = "3"


@dataclass(frozen=True)
class Basemap:
    directory: Path

    @property
    def archive(self) -> Path:
        return self.directory / "basemap.pmtiles"

    @property
    def version(self) -> str:
        return self.directory.name.split("-", 1)[0]


def basemap_key(inputs: dict[str, str]) -> str:
    digest = hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()
    return f"{digest[:16]}-basemap-{BUILDER_VERSION}"


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


def build_basemap(
    settings: Settings,
    pbf: Path,
    target: Path,
    inputs: dict[str, str],
    *,
    progress: ProgressFn | None = None,
) -> None:
    # Here, not at the top: a server that finds its archive built never loads numpy, shapely or pyosmium.
    from app.maps.basemap.sources import read_all
    from app.maps.basemap.tiling import encode_tile, label_count, prepare_zoom, tile_features

    started, cpu_started = time.monotonic(), time.process_time()
    layers, bounds = read_all(settings, pbf)
    read_s = time.monotonic() - started
    zooms = range(MIN_ZOOM, MAX_ZOOM + 1)
    # Tiles in tile-id order (the writer's), which is zoom by zoom: each zoom is prepared once.
    tiles = sorted(mercantile.tiles(*bounds, zooms=zooms), key=lambda t: zxy_to_tileid(t.z, t.x, t.y))
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".building-", dir=target.parent))
    try:
        prepared: tuple[int, dict] | None = None
        per_zoom = {z: {"tiles": 0, "bytes": 0, "labels": 0} for z in zooms}
        with (tmp / "basemap.pmtiles").open("wb") as out:
            writer = Writer(out)
            for done, tile in enumerate(tiles):
                if prepared is None or prepared[0] != tile.z:
                    prepared = (tile.z, prepare_zoom(layers, tile.z))
                features = tile_features(prepared[1], tile)
                data = encode_tile(tile, features)
                if data:
                    per_zoom[tile.z]["labels"] += label_count(features)
                    packed = gzip.compress(data, 9, mtime=0)
                    writer.write_tile(zxy_to_tileid(tile.z, tile.x, tile.y), packed)
                    per_zoom[tile.z]["tiles"] += 1
                    per_zoom[tile.z]["bytes"] += len(packed)
                if progress and (done % 100 == 0 or done == len(tiles) - 1):
                    progress("basemap tiles", done + 1, len(tiles))
            writer.finalize(_header(bounds), _metadata())
        size = (tmp / "basemap.pmtiles").stat().st_size
        stamp = {
            "builder": BUILDER_VERSION,
            "inputs": inputs,
            "tiles": sum(z["tiles"] for z in per_zoom.values()),
            "bytes": size,
            "bounds": bounds,
            "zooms": {str(z): v for z, v in per_zoom.items()},
            "read_s": round(read_s, 2),
            "build_s": round(time.monotonic() - started, 2),
            "build_cpu_s": round(time.process_time() - cpu_started, 2),  # the wall time depends on the load
            "built_at": time.time(),
        }
        (tmp / "stamp.json").write_text(json.dumps(stamp, indent=2))
        if target.exists():
            shutil.rmtree(target)
        tmp.rename(target)
        log.info("basemap built: %d tiles, %d bytes in %.1f s", stamp["tiles"], size, stamp["build_s"])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


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
        "vector_layers": [{"id": n, "minzoom": MIN_ZOOM, "maxzoom": MAX_ZOOM} for n in LAYERS],
    }


class TileArchive:
    """Read tiles from a finished archive (memory-mapped; safe to share between threads for reads).

    pmtiles' own ``Reader.get`` parses the header and the root directory again for every tile: ~2,500
    entries of varints in Python, 10-30 ms a tile for the whole city's archive. Here each directory is
    parsed once, on first use, and a tile is a lookup (pmtiles' ``find_tile``) and a slice of the map."""

    def __init__(self, basemap: Basemap) -> None:
        self.basemap = basemap
        self._file = basemap.archive.open("rb")
        self._bytes = MmapSource(self._file)
        self._header = Reader(self._bytes).header()
        self._directories: dict[tuple[int, int], list[Entry]] = {}
        self.version = basemap.version

    def _directory(self, offset: int, length: int) -> list[Entry]:
        key = (offset, length)
        if key not in self._directories:  # two threads may both parse it once: harmless
            self._directories[key] = deserialize_directory(self._bytes(offset, length))
        return self._directories[key]

    def get(self, z: int, x: int, y: int) -> bytes | None:
        """The gzip-compressed MVT bytes of one tile, or None where the archive has none."""
        if not MIN_ZOOM <= z <= MAX_ZOOM:
            return None
        tile_id, h = zxy_to_tileid(z, x, y), self._header
        offset, length = h["root_offset"], h["root_length"]
        for _ in range(4):  # the format's greatest depth
            entry = find_tile(self._directory(offset, length), tile_id)
            if entry is None:
                return None
            if entry.run_length > 0:
                return self._bytes(h["tile_data_offset"] + entry.offset, entry.length)
            offset, length = h["leaf_directory_offset"] + entry.offset, entry.length  # a leaf directory
        return None

    def close(self) -> None:
        self._file.close()


@lru_cache(maxsize=4)
def open_archive(directory: Path) -> TileArchive:
    return TileArchive(Basemap(directory))
