"""`filmtour serve` bounds request heads in size and time itself, as it must where uvicorn is reachable
without nginx: a 32 MB header gets 400 at once (httptools took it, 0.76 s of CPU), a connection that sends
nothing or drips its header is closed after FILMTOUR_HTTP_HEADER_TIMEOUT_S (it stayed open for ever), and an
ordinary request on a kept-alive connection is unaffected."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest

from app.core.config import PROJECT_ROOT
from tests.conftest import SHARED_TILES
from tests.support.live import LiveApp, free_port, wait_ready

pytestmark = pytest.mark.slow
TIMEOUT_S = 1.5


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[tuple[str, int]]:
    tmp = tmp_path_factory.mktemp("bounds")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    env |= {
        "FILMTOUR_DATA_DIR": str(tmp / "data"),
        "FILMTOUR_VALHALLA_TILES_DIR": str(SHARED_TILES),
        "FILMTOUR_BUILD_BASEMAP_ON_STARTUP": "false",
        "FILMTOUR_HTTP_HEADER_TIMEOUT_S": str(TIMEOUT_S),
        "FILMTOUR_LOG_LEVEL": "warning",
    }
    log = tmp / "serve.log"
    cmd = [sys.executable, "-m", "app.cli", "serve", "--port", str(port)]
    proc = subprocess.Popen(cmd, cwd=PROJECT_ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    app = LiveApp(f"http://127.0.0.1:{port}", proc, log)
    try:
        wait_ready(app.url, proc, log, timeout_s=120)
        yield app.url, port
    finally:
        app.stop()


def closed_after(sock: socket.socket, limit_s: float) -> float | None:
    """Seconds until the server closed the connection (EOF or reset), or None if still open at limit_s."""
    started = time.monotonic()
    sock.settimeout(limit_s)
    try:
        while True:
            if not sock.recv(65536):
                return time.monotonic() - started
    except TimeoutError:
        return None
    except ConnectionResetError:
        return time.monotonic() - started


def test_a_connection_that_sends_nothing_is_closed(served):
    _, port = served
    with socket.create_connection(("127.0.0.1", port)) as sock:
        took = closed_after(sock, TIMEOUT_S + 5)
    assert took is not None and took < TIMEOUT_S + 2


def test_a_dripped_header_is_closed_at_the_deadline(served):
    _, port = served
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        started = time.monotonic()
        closed = False
        while time.monotonic() - started < TIMEOUT_S + 4:
            try:
                sock.sendall(b"X-Slow: a\r\n")
            except (BrokenPipeError, ConnectionResetError):
                closed = True
                break
            time.sleep(0.3)
        closed = closed or closed_after(sock, 2) is not None
    assert closed, "a header dripped for longer than the deadline kept its connection"


def test_a_32_mb_header_is_refused_at_once(served):
    _, port = served
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ")
        sent, chunk, answer = 0, b"a" * 65536, b""
        try:
            while sent < 32 * 1024 * 1024:
                sock.sendall(chunk)
                sent += len(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass
        sock.settimeout(5)
        try:
            answer = sock.recv(4096)
        except (ConnectionResetError, TimeoutError):
            pass
    assert sent < 32 * 1024 * 1024 or answer.startswith(b"HTTP/1.1 400")
    assert not answer or answer.startswith(b"HTTP/1.1 400")


def test_ordinary_requests_and_keep_alive_still_work(served):
    url, _ = served
    with httpx.Client(timeout=10) as c:
        for _ in range(3):
            assert c.get(f"{url}/healthz").status_code == 200
            time.sleep(TIMEOUT_S / 2)  # idle between requests: the keep-alive timeout's business, not ours
        assert c.get(f"{url}/api/v1/locations", params={"limit": 1}).status_code == 200
