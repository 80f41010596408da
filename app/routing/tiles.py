"""Build Valhalla routing tiles from an OSM extract, once per extract.

Layout under ``settings.tiles_dir``::

    <key>/valhalla.json   config pointing at the tar below (also what ``valhalla_service`` reads)
    <key>/tiles.tar       the tile extract
    <key>/stamp.json      written last: its presence means the build finished

``key`` is the extract's sha256 plus Valhalla's version, so a new extract or a new engine rebuilds, and a
crash mid-build leaves only a temporary directory that the next build discards. A file lock keeps two
processes (uvicorn workers, a CLI) from building at once."""

from __future__ import annotations

import copy
import json
import logging
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass
from functools import cache
from importlib.metadata import version
from pathlib import Path
from typing import Any

from app.core.config import Settings
from app.core.files import ProgressFn, build_lock, file_sha256

__all__ = ["ProgressFn", "Tiles", "build_lock", "ensure_tiles", "file_sha256"]

log = logging.getLogger(__name__)

# valhalla_build_tiles runs in two stage ranges so a progress bar moves during the build. The split must come
# after "enhance": splitting right after parsing loses the street names (the tiles differ); this one gives
# identical route answers (checked on 100 random routes against a one-shot build).
BUILD_STAGES = (
    ("building the graph", "initialize", "enhance"),
    ("hierarchy and checks", "filter", "cleanup"),
)
BUILD_STEPS = (*(stage[0] for stage in BUILD_STAGES), "packing tiles.tar")


class TileBuildError(RuntimeError):
    """The tiles could not be built (missing extract, Valhalla failed)."""


@dataclass(frozen=True)
class Tiles:
    directory: Path

    @property
    def config_path(self) -> Path:
        return self.directory / "valhalla.json"

    @property
    def extract(self) -> Path:
        return self.directory / "tiles.tar"

    def config(self) -> dict[str, Any]:
        return json.loads(self.config_path.read_text())


@cache
def valhalla_version() -> str:
    """The installed pyvalhalla's version, from its package metadata: naming and checking the cached tiles at
    every start does not load Valhalla's library (~25 ms of a restart's CPU); a route or a build loads it."""
    return version("pyvalhalla")


def tiles_key(pbf: Path, sha256: str | None = None) -> str:
    return f"{(sha256 or file_sha256(pbf))[:16]}-valhalla-{valhalla_version()}"


def read_stamp(tiles: Tiles) -> dict[str, Any] | None:
    try:
        return json.loads((tiles.directory / "stamp.json").read_text())
    except (OSError, ValueError):
        return None


def is_complete(tiles: Tiles, pbf_sha256: str | None = None) -> bool:
    """A finished, readable build: its stamp names this Valhalla version (and, when given, this extract's
    sha256), the tar opens and holds tiles, the config parses."""
    stamp = read_stamp(tiles)
    if not stamp or stamp.get("valhalla") != valhalla_version():
        return False
    if pbf_sha256 is not None and stamp.get("pbf_sha256") != pbf_sha256:
        return False
    try:
        with tarfile.open(tiles.extract) as tar:
            if not any(m.name.endswith(".gph") for m in tar.getmembers()):
                return False
        tiles.config()
    except (OSError, tarfile.TarError, ValueError):
        return False
    return True


def ensure_tiles(
    settings: Settings, *, pbf: Path | None = None, progress: ProgressFn | None = None, force: bool = False
) -> Tiles:
    """Return finished tiles for the extract, building them first when missing, stale or corrupt."""
    pbf = Path(pbf or settings.routing_extract)
    if not pbf.is_file():
        raise TileBuildError(f"OSM extract not found: {pbf}")
    sha = file_sha256(pbf)
    tiles = Tiles(settings.tiles_dir / tiles_key(pbf, sha))
    if not force and is_complete(tiles, sha):
        return tiles
    with build_lock(settings.tiles_dir):
        if not force and is_complete(tiles, sha):  # another process built it while we waited
            return tiles
        build_tiles(pbf, tiles.directory, progress=progress)
        remove_other_builds(settings.tiles_dir, keep=tiles.directory)
    return tiles


def valhalla_config(tile_dir: Path, extract: Path) -> dict[str, Any]:
    # get_config insists the paths exist already; ours are set after (the final ones exist only post-build).
    # (and it returns a shallow copy of a shared default: deep-copy before changing nested keys)
    import valhalla  # only for a build (see valhalla_version)

    config = copy.deepcopy(valhalla.get_config(tile_extract="", tile_dir=""))
    config["mjolnir"]["tile_dir"] = str(tile_dir)
    config["mjolnir"]["tile_extract"] = str(extract)
    config["mjolnir"]["logging"] = {"type": "", "color": False}
    # One request at a time per actor; valhalla_service gets its own worker count.
    config["httpd"]["service"]["listen"] = "tcp://127.0.0.1:8002"
    return config


def _run(cmd: list[str], what: str) -> None:
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
        raise TileBuildError(f"{what} failed (exit {proc.returncode}): " + " | ".join(tail))


def build_tiles(pbf: Path, dest: Path, *, progress: ProgressFn | None = None) -> Tiles:
    """Build into a temporary sibling directory, then move it into place in one rename."""
    from valhalla._scripts import PYVALHALLA_BIN_DIR  # only for a build (see valhalla_version)

    report = progress or (lambda desc, done, total: log.info("tiles: %s (%d/%d)", desc, done, total))
    dest.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".build-", dir=dest.parent))
    started = time.perf_counter()
    try:
        tile_dir = work / "tiles"
        tile_dir.mkdir()
        final_config = valhalla_config(dest / "tiles", dest / "tiles.tar")
        build_config = valhalla_config(tile_dir, work / "tiles.tar")
        (work / "build.json").write_text(json.dumps(build_config))
        for step, (desc, first, last) in enumerate(BUILD_STAGES):
            report(desc, step, len(BUILD_STEPS))
            _run(
                [
                    str(PYVALHALLA_BIN_DIR / "valhalla_build_tiles"),
                    "-c",
                    str(work / "build.json"),
                    "-s",
                    first,
                    "-e",
                    last,
                    str(pbf),
                ],
                f"valhalla_build_tiles ({desc})",
            )
        report(BUILD_STEPS[-1], len(BUILD_STAGES), len(BUILD_STEPS))
        _run(
            [sys.executable, "-m", "valhalla.valhalla_build_extract", "-c", str(work / "build.json"), "-O"],
            "valhalla_build_extract",
        )
        shutil.rmtree(tile_dir)  # the tar holds every tile; keep one copy
        (work / "tiles").mkdir()
        (work / "build.json").unlink()
        (work / "valhalla.json").write_text(json.dumps(final_config, indent=1))
        stamp = {
            "pbf": str(pbf),
            "pbf_sha256": file_sha256(pbf),
            "valhalla": valhalla_version(),
            "built_s": round(time.perf_counter() - started, 2),
        }
        (work / "stamp.json").write_text(json.dumps(stamp))
        if dest.exists():
            shutil.rmtree(dest)  # a stale or corrupt build with the same key
        os.rename(work, dest)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    report("done", len(BUILD_STEPS), len(BUILD_STEPS))
    log.info("tiles built in %.1f s at %s", time.perf_counter() - started, dest)
    return Tiles(dest)


def rich_progress_callback(progress: Any, description: str = "routing tiles") -> ProgressFn:
    """Adapt a ``rich.progress.Progress`` (already started) to the ProgressFn that ensure_tiles reports to."""
    task = progress.add_task(description, total=len(BUILD_STEPS))

    def report(desc: str, done: int, total: int) -> None:
        progress.update(task, description=f"{description}: {desc}", completed=done, total=total)

    return report


def remove_other_builds(tiles_dir: Path, *, keep: Path) -> None:
    for child in tiles_dir.iterdir():
        if child.is_dir() and child != keep:
            shutil.rmtree(child, ignore_errors=True)
