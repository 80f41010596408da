"""Our own CPU per route POST, without Valhalla's: the app driven in-process through ASGI (no HTTP client, no
uvicorn), with each Valhalla answer computed once and replayed, so what is counted is everything the server
does around Valhalla (validation, middleware, limits, polyline, line, document, song cue, budget count, save,
JSON, gzip, the thread hops). CPU time, not wall time: on the shared host the wall clock moves with the load,
the CPU a request costs much less.

  uv run --group bench python benchmarks/bench_post_cpu.py [--before DIR] [--rounds 8] [--requests 200]

Each checkout (this one, and ``--before``, e.g. ``git worktree add /tmp/before HEAD~1``) runs in a worker
process of its own (its own empty data directory, the same tiles); the workers take turns, round by round, so
both see the same load. Per round and case (the montage as seven points, the cross-city A→B): process CPU per
request and the event-loop thread's share. Writes benchmarks/results/post_cpu.{json,md}; with ``--before``,
the ratio after/before of the medians over the rounds."""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import ClassVar

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
LAMBERT = {"lat": 39.922, "lon": -75.1812, "name": "2313 S Lambert St"}
LAUREL_HILL = {"lat": 40.0035, "lon": -75.1882, "name": "Laurel Hill Cemetery"}
MONTAGE_TOUR = {"tour": "rocky-1976-montage", "activity": "run", "pace_min_per_km": 6}


# --- the worker: one checkout's app, in this process --------------------------------------------------------


def replay_valhalla() -> None:
    """Each distinct Valhalla request is routed once; its answer text is then handed back as Valhalla's, so
    the app still decodes it (orjson) and still makes the hop to its routing thread."""
    import valhalla

    from app.routing import embedded

    class ReplayingActor:
        answers: ClassVar[dict[str, str]] = {}

        def __init__(self, config: str) -> None:
            self.actor = valhalla.Actor(config)

        def route(self, text: str) -> str:
            if text not in self.answers:
                self.answers[text] = self.actor.route(text)
            return self.answers[text]

        def __getattr__(self, name: str):
            return getattr(self.actor, name)

    embedded.valhalla = type("Valhalla", (), {"Actor": ReplayingActor})  # type: ignore[attr-defined]


class Driver:
    """Calls the ASGI app directly: the scope uvicorn would build, one body message, the answer collected."""

    def __init__(self, app) -> None:
        self.app = app
        self.state: dict = {}

    async def call(self, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
        headers = [
            (b"host", b"127.0.0.1:8000"),
            (b"accept-encoding", b"gzip, deflate"),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ]
        scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": headers,
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 8000),
            "state": dict(self.state),
        }
        sent = False

        async def receive() -> dict:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            await asyncio.sleep(3600)  # no disconnect while the answer is written
            return {"type": "http.disconnect"}

        status, chunks = 0, []

        async def send(message: dict) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, send)
        return status, b"".join(chunks)


async def work(requests: int) -> None:
    replay_valhalla()
    from app.main import create_app

    app = create_app()
    driver = Driver(app)
    async with app.router.lifespan_context(app) as state:
        driver.state = dict(state or {})
        for _ in range(1200):  # ready: the offline geocoder's index built (it competes with requests)
            if (await driver.call("GET", "/readyz"))[0] == 200:
                break
            await asyncio.sleep(0.25)
        status, answer = await driver.call("POST", "/api/v1/routes", json.dumps(MONTAGE_TOUR).encode())
        tour = json.loads(gzip.decompress(answer))
        stops = [
            {"lat": f["geometry"]["coordinates"][1], "lon": f["geometry"]["coordinates"][0]}
            for f in tour["features"]
            if f["properties"]["kind"] == "stop"
        ]
        cases = {
            "montage_fresh": {"stops": stops, "activity": "run", "pace_min_per_km": 6, "order": "as_given"},
            "cross_city": {"stops": [LAMBERT, LAUREL_HILL], "activity": "walk", "order": "as_given"},
        }
        bodies = {name: json.dumps(body).encode() for name, body in cases.items()}
        for body in bodies.values():
            for _ in range(20):
                status, answer = await driver.call("POST", "/api/v1/routes", body)
                if status != 201:
                    raise SystemExit(f"POST answered {status}: {answer[:300]!r}")
        print("ready", flush=True)
        for _line in sys.stdin:  # one round per line from the parent
            out = {}
            for name, body in bodies.items():
                cpu0, loop0 = time.process_time(), time.thread_time()
                for _ in range(requests):
                    await driver.call("POST", "/api/v1/routes", body)
                out[name] = {
                    "cpu_ms": (time.process_time() - cpu0) * 1000 / requests,
                    "loop_ms": (time.thread_time() - loop0) * 1000 / requests,
                }
            print(json.dumps(out), flush=True)


# --- the parent: workers for each checkout, in turns ---------------------------------------------------------


def start_worker(checkout: Path, work_dir: Path, tiles_dir: Path, requests: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "FILMTOUR_DATA_DIR": str(work_dir),
        "FILMTOUR_VALHALLA_TILES_DIR": str(tiles_dir),
        "FILMTOUR_BUILD_BASEMAP_ON_STARTUP": "false",
        "FILMTOUR_RATE_LIMIT_ROUTES_PER_MINUTE": "0",
        "FILMTOUR_RATE_LIMIT_GEOCODE_PER_MINUTE": "0",
        "FILMTOUR_MAX_SAVED_ROUTES_PER_CLIENT": "0",
        "FILMTOUR_SAVED_ROUTES_PER_CLIENT_PER_HOUR": "0",
        "FILMTOUR_LOG_LEVEL": "warning",
        "PYTHONPATH": str(checkout),
    }
    work_dir.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", "--requests", str(requests)]
    proc = subprocess.Popen(
        cmd, cwd=checkout, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    line = proc.stdout.readline()  # type: ignore[union-attr]
    if line.strip() != "ready":
        proc.kill()
        raise SystemExit(f"worker for {checkout} did not start: {line!r}")
    return proc


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, help="a checkout of the commit to compare with")
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--requests", type=int, default=200, help="POSTs per case and round")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        asyncio.run(work(args.requests))
        return
    sys.path.insert(0, str(ROOT))
    from app.core.config import Settings
    from app.routing.tiles import ensure_tiles

    work_dir = Path(tempfile.mkdtemp(prefix="filmtour-bench-post-cpu-"))
    settings = Settings(data_dir=work_dir / "tiles-home")
    ensure_tiles(settings)
    checkouts = {"after": ROOT, **({"before": args.before.resolve()} if args.before else {})}
    workers = {
        name: start_worker(path, work_dir / name, settings.tiles_dir, args.requests)
        for name, path in checkouts.items()
    }
    rounds: dict[str, list[dict]] = {name: [] for name in workers}
    try:
        for i in range(args.rounds):
            order = list(workers) if i % 2 == 0 else list(workers)[::-1]  # who goes first alternates
            for name in order:
                proc = workers[name]
                proc.stdin.write("go\n")  # type: ignore[union-attr]
                proc.stdin.flush()  # type: ignore[union-attr]
                rounds[name].append(json.loads(proc.stdout.readline()))  # type: ignore[union-attr]
    finally:
        for proc in workers.values():
            proc.stdin.close()  # type: ignore[union-attr]
            proc.wait(timeout=60)
    result: dict = {"rounds": args.rounds, "requests_per_round": args.requests, "cpus": os.cpu_count()}
    rows = [
        "| case | checkout | CPU per POST, median (range) | of it on the event loop |",
        "|---|---|---|---|",
    ]
    for case in ("montage_fresh", "cross_city"):
        result[case] = {}
        for name in workers:
            cpu = [r[case]["cpu_ms"] for r in rounds[name]]
            loop = [r[case]["loop_ms"] for r in rounds[name]]
            result[case][name] = {
                "cpu_ms_p50": round(statistics.median(cpu), 3),
                "cpu_ms_min": round(min(cpu), 3),
                "cpu_ms_max": round(max(cpu), 3),
                "loop_ms_p50": round(statistics.median(loop), 3),
            }
            r = result[case][name]
            rows.append(
                f"| {case} | {name} | {r['cpu_ms_p50']} ms ({r['cpu_ms_min']}–{r['cpu_ms_max']}) | "
                f"{r['loop_ms_p50']} ms |"
            )
        if "before" in workers:
            ratios = [
                a[case]["cpu_ms"] / b[case]["cpu_ms"]
                for a, b in zip(rounds["after"], rounds["before"], strict=True)
            ]
            result[case]["after_over_before_p50"] = round(statistics.median(ratios), 3)
            rows.append(f"| {case} | after / before, round by round | {statistics.median(ratios):.3f}× | |")
    result["load_average_1m"] = round(os.getloadavg()[0], 2)
    rows.append(f"| host | {result['cpus']} CPUs, load average {result['load_average_1m']} | | |")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "post_cpu.json").write_text(json.dumps(result, indent=2) + "\n")
    (RESULTS / "post_cpu.md").write_text("\n".join(rows) + "\n")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
