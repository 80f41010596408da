"""Tile builds: cached per extract, rebuilt when the extract changes or the tiles are damaged."""

from __future__ import annotations

import json
import shutil
import tarfile

import pytest
import valhalla

from app.core.config import Settings
from app.routing.network import overpass_json_to_pbf
from app.routing.tiles import TileBuildError, ensure_tiles, is_complete

DATA = __import__("pathlib").Path(__file__).parent / "data"


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


def test_a_different_extract_rebuilds_and_corrupt_tiles_are_rebuilt(tmp_path):
    settings = Settings(data_dir=tmp_path / "d")
    pbf = tmp_path / "oldcity.osm.pbf"
    overpass_json_to_pbf(DATA / "overpass_oldcity_small.json", pbf)
    small = ensure_tiles(settings, pbf=pbf)
    assert is_complete(small)
    big = ensure_tiles(settings)  # the shipped extract: another key, another build, the old one removed
    assert big.directory != small.directory and not small.directory.exists()

    big.extract.write_bytes(b"not a tar")  # damage: the next start must notice and rebuild
    assert not is_complete(big)
    repaired = ensure_tiles(settings)
    assert is_complete(repaired)
    assert json.loads((repaired.directory / "stamp.json").read_text())["pbf_sha256"]


def test_interrupted_build_leaves_no_half_tiles(tmp_path, monkeypatch):
    settings = Settings(data_dir=tmp_path / "d")
    from app.routing import tiles as tiles_module

    def boom(*args, **kwargs):  # noqa: ANN002, ANN003
        raise KeyboardInterrupt

    monkeypatch.setattr(tiles_module.shutil, "rmtree", boom)  # dies half-way through the build
    with pytest.raises(KeyboardInterrupt):
        ensure_tiles(settings)
    monkeypatch.undo()
    leftovers = [p for p in settings.tiles_dir.iterdir() if p.is_dir()]
    assert all(p.name.startswith(".build-") for p in leftovers)  # nothing under a final name
    assert is_complete(ensure_tiles(settings))


def test_missing_extract_is_a_clear_error(tmp_path):
    with pytest.raises(TileBuildError, match="not found"):
        ensure_tiles(Settings(data_dir=tmp_path), pbf=tmp_path / "nope.osm.pbf")
    shutil.rmtree(tmp_path, ignore_errors=True)
