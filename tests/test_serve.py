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
from prometheus_client.mmap_dict import MmapedDict

from app.core.config import PROJECT_ROOT
from tests.conftest import REAL_LOCATIONS, SHARED_BASEMAP, SHARED_TILES
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
        # The run's shared basemap, found by its inputs (the dataset's too, whatever the caller's environment
        # says): a start in a fresh data directory built one (~7 s CPU).
        "FILMTOUR_BASEMAP_DIR": str(SHARED_BASEMAP),
        "FILMTOUR_LOCATIONS_FILE": str(REAL_LOCATIONS),
        "FILMTOUR_LOG_LEVEL": "info",
    }
    log = tmp_path / "serve.log"
    cmd = [sys.executable, "-m", "app.cli", "serve", "--port", str(port), "--workers", "2"]
    proc = subprocess.Popen(cmd, cwd=PROJECT_ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    app = LiveApp(f"http://127.0.0.1:{port}", proc, log)
    metrics_dir = tmp_path / "data" / "metrics"
    try:
        wait_ready(app.url, proc, log, timeout_s=180)
        before = healthz_count(app.url)
        # Until both workers have served /healthz (each counts in its own file), or 180 s: the second may still
        # be starting (start-up lock; a minute on a loaded machine). A fixed 400 requests hid the real failure:
        # the second worker crashed at start ("table rate_limit already exists") and one served everything.
        # Failures show the server's log (logged at info for that).
        sent, deadline = 0, time.monotonic() + 180
        while len(healthz_by_worker(metrics_dir)) < 2:
            assert time.monotonic() < deadline, (
                f"one worker served all {sent} requests in 180 s: {healthz_by_worker(metrics_dir)}\n"
                + log.read_text(errors="replace")[-3000:]
            )
            for _ in range(20):
                assert healthz_status(app.url, log) == 200
                sent += 1
            time.sleep(0.5)
        by_worker = healthz_by_worker(metrics_dir)
        assert len(by_worker) >= 2 and all(n > 0 for n in by_worker.values()), by_worker
        # /metrics, answered by either worker, adds up every worker's count.
        assert healthz_count(app.url) - before == sent
    finally:
        app.stop()
    assert proc.returncode is not None


def healthz_status(url: str, log) -> int:
    try:
        return httpx.get(f"{url}/healthz", timeout=30).status_code
    except (
        httpx.TransportError
    ) as exc:  # say what the server logged (a worker restarted?), not only the error
        raise AssertionError(f"{exc!r}\n{log.read_text(errors='replace')[-3000:]}") from exc


def healthz_by_worker(metrics_dir) -> dict[str, float]:
    """/healthz 200s counted in each worker's own counter file (one file per worker process)."""
    counts = {}
    for path in metrics_dir.glob("counter_*.db"):
        if path.stat().st_size == 0:  # a starting worker's file, not yet sized (see app.core.metrics)
            continue
        n = sum(
            value
            for key, value, _ts, _pos in MmapedDict.read_all_values_from_file(str(path))
            if '"route": "/healthz"' in key and '"status": "200"' in key and "_total" in key
        )
        if n:
            counts[path.name] = n
    return counts


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
