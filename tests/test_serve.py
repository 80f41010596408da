"""`filmtour serve` as an operator runs it: a real process with two uvicorn workers, whose /metrics adds up
the requests every worker served (Prometheus multiprocess files in the data directory)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from prometheus_client.mmap_dict import MmapedDict

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
        before = healthz_count(app.url)
        # The workers start one after the other (the start-up lock) and a worker still starting accepts no
        # connection, so ready answers from the first prove nothing of the second; and sequential requests can
        # all land on the one worker the kernel wakes first. So: /healthz 8 at a time (a busy worker leaves the
        # next connection to the other), in rounds, until each worker's own counter file has counted /healthz,
        # or 180 s (a loaded machine can take a minute to start the second worker).
        sent, deadline = 0, time.monotonic() + 180
        with ThreadPoolExecutor(8) as pool:
            while len(healthz_by_worker(metrics_dir)) < 2:
                assert time.monotonic() < deadline, (
                    f"one worker served all {sent} requests in 180 s: {healthz_by_worker(metrics_dir)}"
                )
                codes = list(pool.map(lambda _: healthz_status(app.url), range(40)))
                assert codes == [200] * 40
                sent += 40
                time.sleep(0.2)
        by_worker = healthz_by_worker(metrics_dir)
        assert len(by_worker) >= 2 and all(n > 0 for n in by_worker.values()), by_worker
        # /metrics, answered by either worker, adds up every worker's count.
        assert healthz_count(app.url) - before == sent
    finally:
        app.stop()
    assert proc.returncode is not None


def healthz_status(url: str) -> int:
    return httpx.get(f"{url}/healthz", timeout=30).status_code


def healthz_by_worker(metrics_dir) -> dict[str, float]:
    """/healthz 200s counted in each worker's own counter file (one file per worker process)."""
    counts = {}
    for path in metrics_dir.glob("counter_*.db"):
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
