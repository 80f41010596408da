"""`filmtour serve` as an operator runs it: a real process with two uvicorn workers, whose /metrics adds up
the requests every worker served (Prometheus multiprocess files in the data directory)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time

import httpx
import pytest

from app.core.config import PROJECT_ROOT
from tests.conftest import SHARED_TILES
from tests.support.live import LiveApp, free_port, wait_ready

pytestmark = pytest.mark.slow
HEALTHZ = re.compile(
    r'^filmtour_http_requests_total\{method="GET",route="/healthz",status="200"\} ([0-9.]+)$', re.MULTILINE
)


def test_serve_with_two_workers_sums_metrics_across_them(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    env |= {
        "FILMTOUR_DATA_DIR": str(tmp_path / "data"),
        "FILMTOUR_VALHALLA_TILES_DIR": str(SHARED_TILES),
        "FILMTOUR_LOG_LEVEL": "warning",
    }
    log = tmp_path / "serve.log"
    cmd = [sys.executable, "-m", "app.cli", "serve", "--port", str(port), "--workers", "2"]
    proc = subprocess.Popen(cmd, cwd=PROJECT_ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    app = LiveApp(f"http://127.0.0.1:{port}", proc, log)
    metrics_dir = tmp_path / "data" / "metrics"
    try:
        wait_ready(app.url, proc, log, timeout_s=180)
        # The workers start one after the other (the start-up lock): wait until 20 new connections in a row
        # find a ready worker.
        deadline, ready_in_a_row = time.monotonic() + 120, 0
        while ready_in_a_row < 20:
            assert time.monotonic() < deadline, "the two workers did not both become ready"
            ok = httpx.get(f"{app.url}/readyz", timeout=10).status_code == 200
            ready_in_a_row = ready_in_a_row + 1 if ok else 0
        before = healthz_count(app.url)
        sent = 0
        # New connections each time, until both workers have served some (each writes its own counter file).
        while sent < 400:
            for _ in range(20):
                assert httpx.get(f"{app.url}/healthz", timeout=10).status_code == 200
                sent += 1
            if len({p.name for p in metrics_dir.glob("counter_*.db")}) >= 2:
                break
        workers = {p.name for p in metrics_dir.glob("counter_*.db")}
        assert len(workers) >= 2, f"one worker served all {sent} requests: {workers}"
        assert healthz_count(app.url) - before == sent
    finally:
        app.stop()
    assert proc.returncode is not None


def healthz_count(url: str) -> float:
    """/healthz requests counted by /metrics, summed over every worker's counter file."""
    return sum(float(v) for v in HEALTHZ.findall(httpx.get(f"{url}/metrics", timeout=10).text))


def test_healthz_is_the_application_itself(tmp_path):
    """No boot front: the first 200 from /healthz comes from the started application, so the very next
    requests (a data endpoint, /readyz) are answered too, and the /healthz is counted in /metrics. (The boot
    front said 200 while start-up, maybe stuck, went on behind it.)"""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    env |= {
        "FILMTOUR_DATA_DIR": str(tmp_path / "data"),
        "FILMTOUR_VALHALLA_TILES_DIR": str(SHARED_TILES),
        "FILMTOUR_BUILD_BASEMAP_ON_STARTUP": "false",
        "FILMTOUR_LOG_LEVEL": "warning",
    }
    log = tmp_path / "serve.log"
    cmd = [sys.executable, "-m", "app.cli", "serve", "--port", str(port)]
    proc = subprocess.Popen(cmd, cwd=PROJECT_ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    app = LiveApp(f"http://127.0.0.1:{port}", proc, log)
    try:
        deadline = time.monotonic() + 120
        while True:
            assert time.monotonic() < deadline and proc.poll() is None, log.read_text()[-2000:]
            try:
                if httpx.get(f"{app.url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        assert httpx.get(f"{app.url}/api/v1/locations", params={"limit": 1}, timeout=5).status_code == 200
        assert httpx.get(f"{app.url}/readyz", timeout=5).status_code == 200
        assert healthz_count(app.url) >= 1
    finally:
        app.stop()
