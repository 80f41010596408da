"""A real ``valhalla_service`` process (it ships in the pyvalhalla wheel) on 127.0.0.1, for tests."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

import httpx
from valhalla._scripts import PYVALHALLA_BIN_DIR

from tests.support.live import free_port


def start_valhalla_service(config_path: Path, workdir: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    config = json.loads(config_path.read_text())
    config["httpd"]["service"]["listen"] = f"tcp://127.0.0.1:{port}"  # loopback only
    cfg = workdir / f"valhalla-service-{port}.json"
    cfg.write_text(json.dumps(config))
    proc = subprocess.Popen(
        [str(PYVALHALLA_BIN_DIR / "valhalla_service"), str(cfg), "2"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
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


def stop_process(proc: subprocess.Popen) -> None:
    """valhalla_service ignores SIGTERM (each stop waited 3 s for the kill) but ends at once on SIGINT, as on
    Ctrl-C: ask with that, then insist."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=3)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)
