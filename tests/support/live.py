"""Run the real app in its own uvicorn process on 127.0.0.1, as a user would, for browser, load and fault tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from app.core.config import PROJECT_ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LiveApp:
    url: str
    proc: subprocess.Popen
    log: Path

    def stop(self, timeout: float = 15) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=timeout)


def wait_ready(url: str, proc: subprocess.Popen, log: Path, timeout_s: float = 90) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the app exited ({proc.returncode}):\n{log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        # Short: a start is ~1 s, and every test with a server waits on it (after a 503 too: not a spin).
        time.sleep(0.05)
    raise RuntimeError(f"the app did not become ready:\n{log.read_text()[-2000:]}")


def start_app(env: dict[str, str], workdir: Path, *, workers: int = 1, port: int | None = None) -> LiveApp:
    port = port or free_port()
    log = workdir / f"server-{port}.log"
    cmd = [sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1", "--port", str(port)]
    cmd += ["--no-proxy-headers"]  # as `filmtour serve`: the app itself decides whom to believe
    if workers > 1:
        cmd += ["--workers", str(workers)]
    # Servers in tests skip the basemap build unless asked (the browser tests pre-build a shared one).
    env = {"FILMTOUR_BUILD_BASEMAP_ON_STARTUP": "false", **env}
    proc = subprocess.Popen(
        cmd, cwd=PROJECT_ROOT, env={**os.environ, **env}, stdout=log.open("w"), stderr=subprocess.STDOUT
    )
    app = LiveApp(f"http://127.0.0.1:{port}", proc, log)
    try:
        wait_ready(app.url, proc, log)
    except BaseException:
        app.stop()
        raise
    return app


@contextmanager
def live_app(env: dict[str, str], workdir: Path, **kw) -> Iterator[LiveApp]:
    app = start_app(env, workdir, **kw)
    try:
        yield app
    finally:
        app.stop()
