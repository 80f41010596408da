"""`filmtour serve` logs as the README promises: every line JSON, request lines with the route path only (no
query string, no client address), uvicorn's own lines too."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import httpx
import pytest

from app.core.config import PROJECT_ROOT
from tests.conftest import REAL_LOCATIONS, SHARED_BASEMAP, SHARED_TILES
from tests.support.live import LiveApp, free_port, wait_ready


@pytest.mark.slow
def test_serve_logs_are_json_lines_without_query_or_address(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    env |= {
        "FILMTOUR_DATA_DIR": str(tmp_path / "data"),
        "FILMTOUR_VALHALLA_TILES_DIR": str(SHARED_TILES),
        # The run's shared basemap, found by its inputs: a start in a fresh data directory built one (~7 s CPU).
        "FILMTOUR_BASEMAP_DIR": str(SHARED_BASEMAP),
        "FILMTOUR_LOCATIONS_FILE": str(REAL_LOCATIONS),
        "FILMTOUR_LOG_LEVEL": "info",
    }
    err = tmp_path / "serve.err"
    proc = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--port", str(port)],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=err.open("w"),
    )
    app = LiveApp(f"http://127.0.0.1:{port}", proc, err)
    try:
        wait_ready(app.url, proc, err, timeout_s=180)
        assert (
            httpx.get(f"{app.url}/api/v1/locations", params={"secret": "1600 Pennsylvania"}).status_code
            == 200
        )
        assert httpx.get(f"{app.url}/nowhere", params={"secret": "x"}).status_code == 404
    finally:
        app.stop()
    lines = [ln for ln in err.read_text().splitlines() if ln.strip()]
    docs = [json.loads(ln) for ln in lines]  # every line parses
    requests = [d for d in docs if d.get("msg") == "request"]
    assert {d["path"] for d in requests} >= {"/api/v1/locations", "unmatched"}
    assert not any("secret" in ln or "Pennsylvania" in ln for ln in lines)
    assert not any("client" in d for d in requests)
    assert any(d["logger"].startswith("uvicorn") for d in docs)  # uvicorn's own lines are JSON too
