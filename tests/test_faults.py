"""Faults with real processes: routing service down, database down at start, damaged tiles, a server killed
while saving routes, and a restart that must keep every saved route."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from app.core.config import PROJECT_ROOT
from app.main import create_app
from tests.conftest import REAL_LOCATIONS, SHARED_TILES, make_settings
from tests.support.http_stub import closed_port_url
from tests.support.live import free_port, start_app


def test_routing_service_down_keeps_the_rest_up(tmp_path):
    settings = make_settings(tmp_path, valhalla_url=closed_port_url(), valhalla_timeout_s=2)
    with TestClient(create_app(settings)) as c:
        resp = c.post("/api/v1/routes", json={"stops": ["italian-market", "art-museum-steps"]})
        assert resp.status_code == 503 and resp.headers["content-type"].startswith("application/problem+json")
        assert int(resp.headers["retry-after"]) > 0
        assert c.get("/api/v1/tours/rocky-steps-run").status_code == 503
        assert c.get("/api/v1/locations").status_code == 200
        assert c.get("/map").status_code == 200
        assert c.get("/").status_code == 200
        assert c.get("/readyz").status_code == 200


@pytest.mark.slow
def test_database_unreachable_at_start_is_a_clear_message_and_exit_code(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/none",
        "FILMTOUR_DATA_DIR": str(tmp_path),
    }
    proc = subprocess.run(
        [sys.executable, "-m", "app.cli", "serve", "--port", str(free_port())],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode != 0
    assert "database unreachable" in proc.stderr and "127.0.0.1" in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout


@pytest.mark.slow
def test_damaged_tiles_are_rebuilt_at_start(tmp_path):
    tiles_dir = tmp_path / "tiles"
    shutil_copy = __import__("shutil").copytree
    shutil_copy(SHARED_TILES, tiles_dir, ignore=__import__("shutil").ignore_patterns(".build*"))
    for tar in tiles_dir.glob("*/tiles.tar"):
        tar.write_bytes(b"\0" * 100)  # corrupt
    settings = make_settings(tmp_path, valhalla_tiles_dir=tiles_dir, build_tiles_on_startup=True)
    with TestClient(create_app(settings)) as c:
        assert (
            c.post("/api/v1/routes", json={"stops": ["italian-market", "art-museum-steps"]}).status_code
            == 201
        )


def _env(data_dir) -> dict[str, str]:
    return {
        "FILMTOUR_DATA_DIR": str(data_dir),
        "FILMTOUR_VALHALLA_TILES_DIR": str(SHARED_TILES),
        "FILMTOUR_LOCATIONS_FILE": str(REAL_LOCATIONS),
        "FILMTOUR_RATE_LIMIT_ROUTES_PER_MINUTE": "0",
        "FILMTOUR_LOG_LEVEL": "warning",
    }


@pytest.mark.slow
def test_kill_while_saving_leaves_no_half_route_and_restart_keeps_all(tmp_path):
    data_dir = tmp_path / "data"
    port = free_port()
    app = start_app(_env(data_dir), tmp_path, port=port)
    created: list[str] = []
    stop = threading.Event()

    def client_loop() -> None:
        with httpx.Client(base_url=app.url, timeout=10) as c:
            while not stop.is_set():
                try:
                    r = c.post("/api/v1/routes", json={"tour": "rocky-steps-run", "activity": "run"})
                except httpx.TransportError:
                    return  # the server died under us: that is the point
                if r.status_code == 201:
                    created.append(r.json()["id"])

    threads = [threading.Thread(target=client_loop) for _ in range(4)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 20
    while len(created) < 10 and time.monotonic() < deadline:
        time.sleep(0.05)
    app.proc.send_signal(signal.SIGKILL)  # no clean shutdown: mid-request, mid-commit
    app.proc.wait(timeout=10)
    stop.set()
    for t in threads:
        t.join(timeout=20)
    assert len(created) >= 10

    # Every row in the database is a whole route; nothing half-written survives.
    engine = create_engine(f"sqlite:///{data_dir / 'filmtour.db'}")
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, result, distance_m FROM saved_route")).all()
    engine.dispose()
    assert {r.id for r in rows} >= set(created)
    for r in rows:
        doc = json.loads(r.result) if isinstance(r.result, str) else r.result
        assert doc["id"] == r.id and doc["features"] and doc["properties"]["distance_m"] == r.distance_m

    # After a restart every route acknowledged with 201 reads back, in GPX too.
    again = start_app(_env(data_dir), tmp_path, port=free_port())
    try:
        for rid in created:
            assert httpx.get(f"{again.url}/api/v1/routes/{rid}").status_code == 200
        assert httpx.get(f"{again.url}/api/v1/routes/{created[0]}?format=gpx").text.startswith("<?xml")
    finally:
        again.stop()
