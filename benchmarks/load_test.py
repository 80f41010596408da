"""Bounded load test with Locust (headless, as a library) against filmtour on 127.0.0.1 only.

  uv run --group bench python benchmarks/load_test.py [--users 20] [--seconds 30] [--workers 2]
      [--no-think] [--serve CHECKOUT] [--name load]

Starts `filmtour serve --workers N` on a free loopback port with its own data directory, mixes
GET /api/v1/locations, tour GETs and POST /api/v1/routes, stops by itself, and writes throughput, p50/p99 and
errors to benchmarks/results/load.json and load.md (``--name``: another file name).

Each simulated user thinks 50-200 ms between requests, which caps the test at users / 0.125 s (160 requests/s for
20): a server near that cap cannot show more. ``--no-think`` drops the think time (each user asks again as soon
as it is answered): what the server can carry, with Locust on the same cores. ``--serve`` serves another checkout
(with its own .venv when it has one), so two commits are measured by the same client."""

from gevent import monkey

monkey.patch_all()

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path

import gevent
import httpx
from locust import HttpUser, between, constant, task
from locust.env import Environment

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.checkouts import python_of
from tests.support.live import free_port, wait_ready

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
PLACES = [
    "italian-market",
    "kelly-drive-arched-bridge",
    "mighty-micks-gym",
    "penns-landing-moshulu",
    "art-museum-steps",
    "rocky-statue",
    "pats-king-of-steaks",
]


class Visitor(HttpUser):
    wait_time = between(0.05, 0.2)

    @task(5)
    def locations(self) -> None:
        self.client.get("/api/v1/locations", name="GET /api/v1/locations")

    @task(3)
    def tour(self) -> None:
        tour = random.choice(["rocky-1976-montage", "rocky-steps-run"])
        self.client.get(f"/api/v1/tours/{tour}", name="GET /api/v1/tours/{id}")

    @task(2)
    def plan(self) -> None:
        stops = random.sample(PLACES, random.randint(2, 4))
        body = {"stops": stops, "activity": random.choice(["walk", "run"]), "order": "as_given"}
        with self.client.post(
            "/api/v1/routes", json=body, name="POST /api/v1/routes", catch_response=True
        ) as r:
            if r.status_code != 201:
                r.failure(f"{r.status_code}: {r.text[:200]}")


def start_server(workers: int, data_dir: Path, checkout: Path = ROOT) -> tuple[subprocess.Popen, str]:
    """`filmtour serve --workers N` of ``checkout`` as an operator runs it (the CLI path, with multiprocess
    metrics)."""
    port = free_port()
    env = {
        **os.environ,
        "FILMTOUR_DATA_DIR": str(data_dir),
        "FILMTOUR_RATE_LIMIT_ROUTES_PER_MINUTE": "0",
        "FILMTOUR_MAX_SAVED_ROUTES_PER_CLIENT": "0",  # every simulated user is 127.0.0.1: one client
        "FILMTOUR_SAVED_ROUTES_PER_CLIENT_PER_HOUR": "0",  # (the same, after the quota became a rate)
        "FILMTOUR_LOG_LEVEL": "warning",
    }
    log = data_dir / "server.log"
    proc = subprocess.Popen(
        [
            python_of(checkout),
            "-m",
            "app.cli",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        cwd=checkout,
        env={**env, "PYTHONPATH": str(checkout)},
        stdout=subprocess.DEVNULL,
        stderr=log.open("w"),
    )
    url = f"http://127.0.0.1:{port}"
    wait_ready(url, proc, log, timeout_s=120)
    return proc, url


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-think", action="store_true", help="no think time: the server's capacity")
    parser.add_argument("--serve", type=Path, default=ROOT, help="the checkout to serve (default: this one)")
    parser.add_argument("--name", default="load", help="results file name under benchmarks/results")
    args = parser.parse_args()
    if args.no_think:
        Visitor.wait_time = constant(0)

    data_dir = Path(tempfile.mkdtemp(prefix="filmtour-load-"))
    proc, url = start_server(args.workers, data_dir, args.serve.resolve())
    assert url.startswith("http://127.0.0.1:")  # loopback only
    try:
        env = Environment(user_classes=[Visitor], host=url)
        runner = env.create_local_runner()
        runner.start(args.users, spawn_rate=args.users)
        gevent.sleep(args.seconds)
        runner.quit()
        metrics = httpx.get(f"{url}/metrics").text
    finally:
        proc.terminate()
        proc.wait(timeout=30)

    total = env.stats.total
    result = {
        "users": args.users,
        "seconds": args.seconds,
        "workers": args.workers,
        "think_time": not args.no_think,
        "served": str(args.serve),
        "requests": total.num_requests,
        "failures": total.num_failures,
        "throughput_rps": round(total.total_rps, 1),
        "p50_ms": total.get_response_time_percentile(0.5),
        "p99_ms": total.get_response_time_percentile(0.99),
        "by_endpoint": {
            name: {
                "requests": s.num_requests,
                "failures": s.num_failures,
                "p50_ms": s.get_response_time_percentile(0.5),
                "p99_ms": s.get_response_time_percentile(0.99),
            }
            for (name, _method), s in env.stats.entries.items()
        },
        "metrics_counted_requests": sum(
            float(line.rsplit(" ", 1)[1])
            for line in metrics.splitlines()
            if line.startswith("filmtour_http_requests_total{")
        ),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{args.name}.json").write_text(json.dumps(result, indent=2) + "\n")
    lines = [
        (
            f"Load: {args.users} users for {args.seconds} s against `filmtour serve --workers {args.workers}` "
            f"on 127.0.0.1{'' if result['think_time'] else ', no think time'}."
        ),
        "",
        "| endpoint | requests | failures | p50 ms | p99 ms |",
        "|---|---|---|---|---|",
    ]
    for name, s in result["by_endpoint"].items():
        lines.append(f"| {name} | {s['requests']} | {s['failures']} | {s['p50_ms']} | {s['p99_ms']} |")
    lines += [
        f"| **all** | {result['requests']} | {result['failures']} | {result['p50_ms']} | {result['p99_ms']} |",
        "",
        f"Throughput {result['throughput_rps']} requests/s; errors {result['failures']}.",
        "",
    ]
    (RESULTS / f"{args.name}.md").write_text("\n".join(lines))
    print("\n".join(lines))
    if result["failures"]:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
