"""The whole-city basemap's build and serving cost, in ONE run (the machine is shared: compare ratios and the
CPU time, which the other jobs on the machine disturb less than the wall time).

  uv run python benchmarks/bench_basemap.py [--lookups 2000]

Measures:
  1. a full build (forced, into a temporary directory) from the shipped inputs: wall and CPU seconds, archive
     bytes, tiles, bytes and label features per zoom (from the build's stamp), against the issue's budgets
     (40 MB, 90 s on 2 cores);
  2. a tile lookup, ``TileArchive.get`` (each PMTiles directory parsed once) against pmtiles' own
     ``Reader.get`` (which parses the root directory again for every tile), the same random tiles, alternately.
Writes benchmarks/results/basemap.json and basemap.md.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from pathlib import Path

import mercantile
from pmtiles.reader import MmapSource, Reader

from app.core.config import Settings
from app.maps.basemap import MAX_ZOOM, MIN_ZOOM, TileArchive, ensure_basemap, read_stamp

RESULTS = Path(__file__).parent / "results"


def lookups(archive: TileArchive, count: int) -> dict[str, float]:
    west, south, east, north = read_stamp(archive.basemap)["bounds"]
    tiles = list(mercantile.tiles(west, south, east, north, zooms=range(MIN_ZOOM, MAX_ZOOM + 1)))
    sample = random.Random(1).choices(tiles, k=count)
    with archive.basemap.archive.open("rb") as f:
        reader = Reader(MmapSource(f))
        ours, theirs = [], []
        for t in sample:  # alternately, so both see the same machine
            start = time.perf_counter()
            a = archive.get(t.z, t.x, t.y)
            ours.append(time.perf_counter() - start)
            start = time.perf_counter()
            b = reader.get(t.z, t.x, t.y)
            theirs.append(time.perf_counter() - start)
            assert a == b, t
    ms = {
        "tile_archive_ms": statistics.median(ours) * 1e3,
        "pmtiles_reader_ms": statistics.median(theirs) * 1e3,
    }
    return {**ms, "ratio": ms["pmtiles_reader_ms"] / ms["tile_archive_ms"]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lookups", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-basemap-") as tmp:
        settings = Settings(data_dir=Path(tmp), basemap_dir=Path(tmp) / "basemap")
        basemap = ensure_basemap(settings, force=True)
        stamp = read_stamp(basemap)
        assert stamp is not None
        archive = TileArchive(basemap)
        try:
            lookup = lookups(archive, args.lookups)
        finally:
            archive.close()
    result = {
        "measured_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "build_s": stamp["build_s"],
        "build_cpu_s": stamp["build_cpu_s"],
        "bytes": stamp["bytes"],
        "tiles": stamp["tiles"],
        "zooms": stamp["zooms"],
        "budget": {"bytes": 40_000_000, "build_s": 90},
        "lookup": lookup,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "basemap.json").write_text(json.dumps(result, indent=2) + "\n")
    rows = "\n".join(
        f"| {z} | {v['tiles']} | {v['bytes'] / 1e3:.0f} | {v['labels']} |" for z, v in stamp["zooms"].items()
    )
    (RESULTS / "basemap.md").write_text(
        f"# Basemap build and lookup ({result['measured_at']})\n\n"
        f"Whole city, z{MIN_ZOOM}-{MAX_ZOOM}: {stamp['bytes'] / 1e6:.2f} MB (budget 40 MB), {stamp['tiles']} tiles, "
        f"built in {stamp['build_s']:.1f} s wall / {stamp['build_cpu_s']:.1f} s CPU (budget 90 s).\n\n"
        "| zoom | tiles | KB (gzip) | label features |\n|---|---|---|---|\n"
        f"{rows}\n\n"
        f"Tile lookup (median of {args.lookups}): TileArchive.get {lookup['tile_archive_ms']:.3f} ms, "
        f"pmtiles Reader.get {lookup['pmtiles_reader_ms']:.2f} ms ({lookup['ratio']:.0f}x).\n"
    )
    print((RESULTS / "basemap.md").read_text())


if __name__ == "__main__":
    main()
