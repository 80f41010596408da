"""`filmtour serve` as an operator runs it: a real process with two uvicorn workers, whose /metrics adds up
the requests every worker served (Prometheus multiprocess files in the data directory)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import fcntl
import json
import os
import re
import subprocess
import sys
import time

import httpx
import pytest

from app import boot
from app.core.config import PROJECT_ROOT, Settings
from app.routing.tiles import ensure_tiles
from tests.conftest import REAL_LOCATIONS, SHARED_TILES
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
        # Each worker's boot front answers /healthz itself (uncounted) until its application is up, and says
        # 503 on /readyz until then: wait until 20 new connections in a row find a ready worker.
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


def test_serve_holds_at_most_boot_queue_max_requests_while_starting(tmp_path):
    """A real `filmtour serve` whose start waits behind another replica's start-up lock (the SQLite flock the
    test holds): it holds FILMTOUR_BOOT_QUEUE_MAX requests, refuses the rest at once with 503 problem+json and
    Retry-After (logged as JSON, counted in /metrics once up), keeps answering /healthz, and gives the held
    ones their real answer once the application is up."""
    cap, extra = 4, 3
    ensure_tiles(
        Settings(data_dir=tmp_path, valhalla_tiles_dir=SHARED_TILES)
    )  # the start is slow only by the lock
    data = tmp_path / "data"
    data.mkdir()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    env |= {
        "FILMTOUR_DATA_DIR": str(data),
        "FILMTOUR_LOCATIONS_FILE": str(REAL_LOCATIONS),
        "FILMTOUR_VALHALLA_TILES_DIR": str(SHARED_TILES),
        "FILMTOUR_BUILD_BASEMAP_ON_STARTUP": "false",
        "FILMTOUR_GEOCODER_URL": "http://127.0.0.1:9",
        "FILMTOUR_BOOT_QUEUE_MAX": str(cap),
        "FILMTOUR_LOG_LEVEL": "warning",
    }
    log = tmp_path / "serve.log"
    lock = (data / "filmtour.db.startup-lock").open("a")
    fcntl.flock(lock, fcntl.LOCK_EX)  # another replica is migrating: this one's start waits behind it
    cmd = [sys.executable, "-m", "app.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
    proc = subprocess.Popen(cmd, cwd=PROJECT_ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    app = LiveApp(f"http://127.0.0.1:{port}", proc, log)

    async def scenario() -> None:
        async with httpx.AsyncClient(base_url=app.url, timeout=120) as client:
            deadline = time.monotonic() + 60
            while True:  # the boot front listens within about a second; the application is still starting
                assert proc.poll() is None and time.monotonic() < deadline, log.read_text()[-2000:]
                try:
                    if (await client.get("/healthz", timeout=2)).status_code == 200:
                        break
                except httpx.TransportError:
                    await asyncio.sleep(0.1)
            assert (await client.get("/readyz")).status_code == 503

            sent, answered_at = time.monotonic(), {}
            calls = [asyncio.create_task(client.get("/api/v1/locations")) for _ in range(cap + extra)]
            for call in calls:
                call.add_done_callback(lambda t: answered_at.setdefault(t, time.monotonic()))
            done, pending = await asyncio.wait(calls, timeout=10)  # the held ones wait up to BOOT_WAIT_S
            refused = [t.result() for t in done]
            assert len(refused) == extra and len(pending) == cap, "exactly the extra ones answered at once"
            assert max(answered_at[t] for t in done) - sent < 5 < boot.BOOT_WAIT_S
            for r in refused:
                assert r.status_code == 503 and r.headers["content-type"] == "application/problem+json"
                assert int(r.headers["retry-after"]) > 0 and r.json()["status"] == 503
            alive = await client.get("/healthz", timeout=2)  # still alive while it holds as many as it may
            assert alive.status_code == 200 and (await client.get("/readyz")).status_code == 503
            assert not any(
                t.done() for t in pending
            )  # the held ones still wait: the start is behind the lock

            fcntl.flock(lock, fcntl.LOCK_UN)  # the other replica is done: this start goes on
            held = await asyncio.gather(*pending)
            expected = json.loads(REAL_LOCATIONS.read_text())["features"]
            for r in held:
                assert r.status_code == 200, r.text
                assert len(r.json()["features"]) == len(expected)
            assert (await client.get("/readyz")).status_code == 200
            # Up: the cap is for the start only.
            burst = await asyncio.gather(*(client.get("/api/v1/locations") for _ in range(cap + extra)))
            assert [r.status_code for r in burst] == [200] * (cap + extra)
            metrics = (await client.get("/metrics")).text
            assert 'route="(starting)",status="503"} 3.0' in metrics

    try:
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            pool.submit(asyncio.run, scenario()).result(timeout=240)
    finally:
        fcntl.flock(lock, fcntl.LOCK_UN)
        lock.close()
        app.stop()
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]  # every line JSON
    refusals = [line for line in lines if line["msg"].startswith("request refused")]
    assert len(refusals) == extra
    assert all(r["status"] == 503 and r["path"] == "(starting)" and r["method"] == "GET" for r in refusals)
    assert "/api/v1/locations" not in log.read_text()  # the route label only, as the access log


def test_boot_queue_default_is_the_settings_default(monkeypatch):
    assert Settings.model_fields["boot_queue_max"].default == boot.BOOT_QUEUE_MAX
    monkeypatch.setenv("FILMTOUR_BOOT_QUEUE_MAX", "2")
    assert boot.Boot().queue_max == 2
    monkeypatch.setenv("FILMTOUR_BOOT_QUEUE_MAX", "lots")  # (app.main's settings refuse it at start-up)
    assert boot.Boot().queue_max == boot.BOOT_QUEUE_MAX


def test_boot_refuses_a_websocket_past_the_cap_without_an_http_answer(monkeypatch):
    monkeypatch.setenv("FILMTOUR_BOOT_QUEUE_MAX", "0")
    front, sent = boot.Boot(), []

    async def send(message: dict) -> None:
        sent.append(message)

    # A thread of its own: the browser tests' Playwright keeps an event loop running in the main thread.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, front({"type": "websocket", "path": "/ws"}, None, send)).result(timeout=30)
    assert sent == [] and front.refused == {"WEBSOCKET": 1} and front.held == 0


def healthz_count(url: str) -> float:
    """/healthz requests counted by /metrics, summed over every worker's counter file."""
    return sum(float(v) for v in HEALTHZ.findall(httpx.get(f"{url}/metrics", timeout=10).text))


async def _get(app, path: str) -> tuple[int, dict[str, str], bytes]:
    """One GET through an ASGI app, as uvicorn calls it."""
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": path, "headers": [], "query_string": b""}
    await app(scope, receive, send)
    headers = {k.decode(): v.decode() for k, v in sent[0].get("headers", [])}
    return sent[0]["status"], headers, b"".join(m.get("body", b"") for m in sent[1:])


def test_boot_answers_healthz_while_the_application_starts(monkeypatch):
    """`filmtour serve` runs app.boot: it is alive (/healthz 200) while the application is still starting,
    /readyz says 503 problem+json with Retry-After until then, other requests wait for it and then get the
    application's own answer; shutdown reaches the application's lifespan."""

    async def scenario() -> None:
        starting, go, stopped = asyncio.Event(), asyncio.Event(), asyncio.Event()

        async def application(scope, receive, send):
            if scope["type"] == "lifespan":
                await receive()
                starting.set()
                await go.wait()  # the slow part: imports, migrations, dataset, tiles
                await send({"type": "lifespan.startup.complete"})
                await receive()
                stopped.set()
                await send({"type": "lifespan.shutdown.complete"})
                return
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": f"app:{scope['path']}".encode()})

        monkeypatch.setattr(boot, "_load_app", lambda: application)
        front = boot.Boot()
        inbox, outbox = asyncio.Queue(), asyncio.Queue()
        lifespan = asyncio.create_task(front({"type": "lifespan"}, inbox.get, outbox.put))
        await inbox.put({"type": "lifespan.startup"})
        assert (await outbox.get())["type"] == "lifespan.startup.complete"  # listening before the app
        await asyncio.wait_for(starting.wait(), 10)

        status, _, body = await _get(front, "/healthz")
        assert (status, body) == (200, b'{"status":"ok"}')
        status, headers, body = await _get(front, "/readyz")
        assert status == 503 and headers["content-type"] == "application/problem+json"
        assert int(headers["retry-after"]) > 0 and b"starting" in body
        waiting = asyncio.create_task(_get(front, "/api/v1/locations"))
        await asyncio.sleep(0.1)
        assert not waiting.done()  # held until the application is up, not refused

        go.set()
        assert (await asyncio.wait_for(waiting, 10))[2] == b"app:/api/v1/locations"
        assert (await _get(front, "/readyz"))[2] == b"app:/readyz"  # now the application's own probe
        assert (await _get(front, "/healthz"))[2] == b"app:/healthz"

        await inbox.put({"type": "lifespan.shutdown"})
        assert (await outbox.get())["type"] == "lifespan.shutdown.complete"
        assert stopped.is_set()
        await lifespan

    # A thread of its own: the browser tests' Playwright keeps an event loop running in the main thread.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, scenario()).result(timeout=60)
