"""`uv build` makes a wheel that works on its own: installed into a fresh virtual environment outside the
repository, `filmtour serve` finds the dataset and the OSM extract as package data, builds its routing tiles
and serves locations, tours and pages."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import httpx
import pytest

from app.core.config import PROJECT_ROOT
from tests.support.live import LiveApp, free_port, wait_ready

pytestmark = pytest.mark.slow


def run(cmd: list[str], cwd: Path, **kw) -> subprocess.CompletedProcess:
    out = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=600, check=False, **kw)
    assert out.returncode == 0, f"{cmd}: {out.stdout[-2000:]}{out.stderr[-2000:]}"
    return out


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A fresh venv (outside the repository) with the built wheel and the locked dependencies."""
    uv = shutil.which("uv")
    if uv is None:
        pytest.fail("uv is needed to build the wheel (it is how the project is set up)")
    work = tmp_path_factory.mktemp("wheel")
    run([uv, "build", "--wheel", "--out-dir", str(work / "dist")], PROJECT_ROOT)
    (wheel,) = (work / "dist").glob("filmtour-*.whl")
    requirements = run(
        [
            uv,
            "export",
            "--frozen",
            "--no-dev",
            "--no-hashes",
            "--no-emit-project",
            "--format",
            "requirements-txt",
        ],
        PROJECT_ROOT,
    ).stdout
    (work / "requirements.txt").write_text(requirements)
    run([uv, "venv", "--python", sys.executable, str(work / "venv")], work)
    python = work / "venv" / "bin" / "python"
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("VIRTUAL_ENV", "PYTHONPATH", "UV_PROJECT_ENVIRONMENT")
    }
    run(
        [uv, "pip", "install", "--python", str(python), "-r", "requirements.txt", str(wheel)],
        work,
        env={**env, "UV_NO_BUILD_PACKAGE": "pyvalhalla"},
    )
    return work


def test_the_wheel_holds_the_data_as_package_data(installed):
    (wheel,) = (installed / "dist").glob("filmtour-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for shipped in ("locations.geojson", "osm/philly_rocky_tour.osm.pbf", "osm/SOURCES.md", "DATASET.md"):
        assert f"app/data/{shipped}" in names
    assert any(n.startswith("app/db/migrations/versions/") for n in names)
    assert any(n.startswith("app/static/") for n in names)


def test_the_installed_package_finds_its_data_through_importlib_resources(installed):
    python = installed / "venv" / "bin" / "python"
    probe = "from app.core import config; print(config.SHIPPED_DATA); print(config.Settings().locations_file)"
    out = run([str(python), "-c", probe], installed, env={"PATH": os.environ["PATH"], "HOME": str(installed)})
    data_dir, locations = out.stdout.split()
    site = str(installed / "venv" / "lib")
    assert data_dir.startswith(site) and locations.startswith(site)
    assert not data_dir.startswith(str(PROJECT_ROOT))


def test_the_installed_app_serves_the_dataset_and_builds_its_tiles(installed):
    port = free_port()
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(installed),
        "FILMTOUR_DATA_DIR": str(installed / "state"),
        "FILMTOUR_PORT": str(port),
        "FILMTOUR_LOG_LEVEL": "warning",
    }
    log = installed / "serve.log"
    proc = subprocess.Popen(
        [str(installed / "venv" / "bin" / "filmtour"), "serve"],
        cwd=installed,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    app = LiveApp(f"http://127.0.0.1:{port}", proc, log)
    try:
        wait_ready(app.url, proc, log, timeout_s=240)
        shipped = json.loads((PROJECT_ROOT / "data" / "locations.geojson").read_text())
        locations = httpx.get(f"{app.url}/api/v1/locations", params={"limit": 500}, timeout=30).json()
        assert locations["numberMatched"] == len(shipped["features"])
        tour = httpx.get(f"{app.url}/api/v1/tours/rocky-1976-montage", timeout=120)
        assert tour.status_code == 200, tour.text
        assert tour.json()["properties"]["distance_m"] > 1000
        assert list((installed / "state" / "valhalla").rglob("valhalla.json"))  # tiles built, in its data dir
        assert list((installed / "state" / "basemap").rglob("basemap.pmtiles"))  # and the vector basemap
        page = httpx.get(f"{app.url}/map", timeout=30)
        assert page.status_code == 200 and "leaflet" in page.text.lower()
    finally:
        app.stop()
