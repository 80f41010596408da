"""Tile builds: cached per extract, rebuilt when the extract changes or the tiles are damaged."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
import valhalla

from app.core.config import Settings
from app.routing.network import overpass_json_to_pbf
from app.routing.tiles import BUILD_STEPS, TileBuildError, ensure_tiles, is_complete, rich_progress_callback

DATA = Path(__file__).parent / "data"


def test_build_produces_a_usable_tar_and_config(tiles):
    assert is_complete(tiles)
    with tarfile.open(tiles.extract) as tar:
        assert sum(m.name.endswith(".gph") for m in tar.getmembers()) > 0
    config = tiles.config()
    assert config["mjolnir"]["tile_extract"] == str(tiles.extract)
    actor = valhalla.Actor(str(tiles.config_path))
    assert json.loads(actor.status())["version"] == valhalla.__version__


def test_second_call_is_a_cache_hit(tiles, tiles_settings):
    before = tiles.extract.stat().st_mtime_ns
    again = ensure_tiles(tiles_settings)
    assert again == tiles and again.extract.stat().st_mtime_ns == before


@pytest.mark.slow
def test_a_different_extract_rebuilds_and_corrupt_tiles_are_rebuilt(tmp_path):
    settings = Settings(data_dir=tmp_path / "d")
    pbf = tmp_path / "oldcity.osm.pbf"
    overpass_json_to_pbf(DATA / "overpass_oldcity_small.json", pbf)
    small = ensure_tiles(settings, pbf=pbf)
    assert is_complete(small)
    # Another extract (the same answer less one street: two small builds, not the whole city's two): another
    # key, another build, the old one removed.
    doc = json.loads((DATA / "overpass_oldcity_small.json").read_text())
    last_way = max(i for i, e in enumerate(doc["elements"]) if e["type"] == "way")
    del doc["elements"][last_way]
    (tmp_path / "other.json").write_text(json.dumps(doc))
    other = tmp_path / "other.osm.pbf"
    overpass_json_to_pbf(tmp_path / "other.json", other)
    big = ensure_tiles(settings, pbf=other)
    assert big.directory != small.directory and not small.directory.exists()

    big.extract.write_bytes(b"not a tar")  # damage: the next start must notice and rebuild
    assert not is_complete(big)
    repaired = ensure_tiles(settings, pbf=other)
    assert is_complete(repaired) and repaired.directory == big.directory
    assert json.loads((repaired.directory / "stamp.json").read_text())["pbf_sha256"]


def test_interrupted_build_leaves_no_half_tiles(tmp_path):
    """Ctrl-C half-way through (raised from the progress report between build stages): the half build is
    cleaned up, nothing sits under a final name, and the next start builds normally."""
    settings = Settings(data_dir=tmp_path / "d")
    reports: list[str] = []

    def interrupt_after_the_first_stage(desc: str, done: int, total: int) -> None:
        reports.append(desc)
        if done == 1:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        ensure_tiles(settings, pbf=small_pbf(tmp_path), progress=interrupt_after_the_first_stage)
    assert len(reports) == 2  # it really was stopped between stages
    assert [p.name for p in settings.tiles_dir.iterdir() if p.is_dir()] == []
    assert is_complete(ensure_tiles(settings, pbf=small_pbf(tmp_path)))


def test_a_killed_build_leaves_nothing_under_a_final_name(tmp_path):
    """kill -9 mid-build (no cleanup runs at all): only a .build- directory is left, never a final one, and the
    next build succeeds and removes it."""
    pbf = small_pbf(tmp_path)
    script = tmp_path / "child.py"
    script.write_text(BUILD_UNTIL_KILLED)
    root = str(DATA.parents[2])
    child = subprocess.Popen(
        [sys.executable, str(script), str(tmp_path / "d"), str(pbf)],
        cwd=root,
        env={**os.environ, "PYTHONPATH": root},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout.readline().strip() == "STAGE 1"  # the first stage is done, the second runs
    finally:
        child.kill()
        child.wait(timeout=30)
    tiles_dir = tmp_path / "d" / "valhalla"
    left = [p.name for p in tiles_dir.iterdir() if p.is_dir()]
    assert left and all(name.startswith(".build-") for name in left), left
    tiles = ensure_tiles(Settings(data_dir=tmp_path / "d"), pbf=pbf)
    assert is_complete(tiles)
    assert [p.name for p in tiles_dir.iterdir() if p.is_dir()] == [tiles.directory.name]


BUILD_UNTIL_KILLED = """
import sys, time
from pathlib import Path
from app.core.config import Settings
from app.routing.tiles import ensure_tiles

def report(desc, done, total):
    if done == 1:
        print("STAGE 1", flush=True)
        time.sleep(120)  # the parent kills us here

ensure_tiles(Settings(data_dir=Path(sys.argv[1])), pbf=Path(sys.argv[2]), progress=report)
"""


def test_missing_extract_is_a_clear_error(tmp_path):
    with pytest.raises(TileBuildError, match="not found"):
        ensure_tiles(Settings(data_dir=tmp_path), pbf=tmp_path / "nope.osm.pbf")
    shutil.rmtree(tmp_path, ignore_errors=True)


def small_pbf(tmp_path: Path) -> Path:
    pbf = tmp_path / "oldcity.osm.pbf"
    overpass_json_to_pbf(DATA / "overpass_oldcity_small.json", pbf)
    return pbf


def test_progress_reports_every_step_in_order(tmp_path):
    steps: list[tuple[str, int, int]] = []
    ensure_tiles(
        Settings(data_dir=tmp_path / "d"), pbf=small_pbf(tmp_path), progress=lambda *a: steps.append(a)
    )
    assert [s[0] for s in steps] == [*BUILD_STEPS, "done"]
    assert [s[1] for s in steps] == list(range(len(BUILD_STEPS) + 1))
    assert {s[2] for s in steps} == {len(BUILD_STEPS)}


def test_rich_progress_bar_is_driven_to_completion(tmp_path):
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(file=io.StringIO())) as progress:
        report = rich_progress_callback(progress)
        ensure_tiles(Settings(data_dir=tmp_path / "d"), pbf=small_pbf(tmp_path), progress=report)
    task = progress.tasks[0]
    assert task.finished and task.completed == len(BUILD_STEPS) and task.description.endswith("done")


@pytest.mark.parametrize("field", ["pbf_sha256", "valhalla"])
def test_a_stamp_for_another_extract_or_valhalla_is_rebuilt(tmp_path, field):
    settings, pbf = Settings(data_dir=tmp_path / "d"), small_pbf(tmp_path)
    tiles = ensure_tiles(settings, pbf=pbf)
    stamp_path = tiles.directory / "stamp.json"
    stamp = json.loads(stamp_path.read_text())
    stamp_path.write_text(json.dumps({**stamp, field: "something else"}))
    assert not is_complete(tiles, stamp["pbf_sha256"])
    rebuilt = ensure_tiles(settings, pbf=pbf)
    assert json.loads((rebuilt.directory / "stamp.json").read_text())[field] == stamp[field]


def test_missing_tar_is_rebuilt(tmp_path):
    settings, pbf = Settings(data_dir=tmp_path / "d"), small_pbf(tmp_path)
    tiles = ensure_tiles(settings, pbf=pbf)
    tiles.extract.unlink()
    assert is_complete(ensure_tiles(settings, pbf=pbf))


BUILD_IN_CHILD = """
import sys, time
from pathlib import Path
from app.core.config import Settings
from app.routing.tiles import ensure_tiles
built = []
ensure_tiles(Settings(data_dir=Path(sys.argv[1])), pbf=Path(sys.argv[2]), progress=lambda *a: built.append(a))
print("BUILT" if built else "CACHED")
"""


@pytest.mark.slow
def test_two_processes_starting_together_build_once(tmp_path):
    """The file lock: the second process waits, then finds the first one's build."""
    pbf = small_pbf(tmp_path)
    script = tmp_path / "child.py"
    script.write_text(BUILD_IN_CHILD)
    root = str(DATA.parents[2])
    procs = [
        subprocess.Popen(
            [sys.executable, str(script), str(tmp_path / "d"), str(pbf)],
            cwd=root,
            env={**os.environ, "PYTHONPATH": root},
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = sorted(p.communicate(timeout=120)[0].strip() for p in procs)
    assert outputs == ["BUILT", "CACHED"]
    assert len([p for p in (tmp_path / "d" / "valhalla").iterdir() if p.is_dir()]) == 1
