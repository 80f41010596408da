"""Routing fixtures: tiles built once per session from the shipped extract, the embedded engine, and a real
``valhalla_service`` process on 127.0.0.1 serving the same tiles."""

from __future__ import annotations

import json
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from valhalla._scripts import PYVALHALLA_BIN_DIR

from app.core.config import Settings
from app.routing.embedded import EmbeddedEngine
from app.routing.planner import Stop
from app.routing.tiles import Tiles, ensure_tiles

# Montage places (from data/locations.geojson) and a few other points of the tour area.
ITALIAN_MARKET = Stop(39.9382, -75.15785, "Italian Market", "italian-market")
ARCHED_BRIDGE = Stop(39.9733, -75.1908, "Arched bridge", "kelly-drive-arched-bridge")
MICKS_GYM = Stop(39.9832, -75.1328, "Mighty Mick's", "mighty-micks-gym")
MOSHULU = Stop(39.94412, -75.14125, "Moshulu", "penns-landing-moshulu")
STEPS = Stop(39.96467, -75.17985, "Art Museum steps", "art-museum-steps")
CITY_HALL = Stop(39.9526, -75.1635, "City Hall")
MONTAGE = [ITALIAN_MARKET, ARCHED_BRIDGE, MICKS_GYM, MOSHULU, STEPS]


@pytest.fixture(scope="session")
def tiles_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(data_dir=tmp_path_factory.mktemp("routing-data"), database_url=None)


@pytest.fixture(scope="session")
def tiles(tiles_settings: Settings) -> Tiles:
    return ensure_tiles(tiles_settings)


@pytest.fixture(scope="session")
def engine(tiles: Tiles) -> EmbeddedEngine:
    return EmbeddedEngine(tiles.config_path)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_valhalla_service(config_path: Path, workdir: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    config = json.loads(config_path.read_text())
    config["httpd"]["service"]["listen"] = f"tcp://127.0.0.1:{port}"  # loopback only
    cfg = workdir / f"valhalla-service-{port}.json"
    cfg.write_text(json.dumps(config))
    proc = subprocess.Popen([str(PYVALHALLA_BIN_DIR / "valhalla_service"), str(cfg), "2"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/status", timeout=1).status_code == 200:
                return proc, url
        except httpx.TransportError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("valhalla_service did not start")


@pytest.fixture(scope="session")
def valhalla_service(tiles: Tiles, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    proc, url = start_valhalla_service(tiles.config_path, tmp_path_factory.mktemp("valhalla-service"))
    try:
        yield url
    finally:
        stop_process(proc)


def stop_process(proc: subprocess.Popen) -> None:
    """valhalla_service does not always exit on SIGTERM: ask, then insist."""
    proc.terminate()
    try:
        proc.wait(timeout=3)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)
