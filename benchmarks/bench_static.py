"""The static export against the app, in ONE run: requests per second for the locations map served by nginx
from `filmtour export-site`'s files (/map/ → map/index.html) and by the app (`filmtour serve`, one worker, /map),
driven by the same client (benchmarks/bench_api.py's raw keep-alive sockets, 4 connections), one after the other
on the same machine; the ratio is the result. Also the export's time, file count and size.

  uv run --group bench python benchmarks/bench_static.py [--seconds 5]

Everything on 127.0.0.1; nginx (Debian's, one worker process, access log off) and the app are stopped before it
exits. Writes benchmarks/results/static.json and static.md. The client is Python: at nginx's rate it is the
bottleneck, so the ratio is a lower bound."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.bench_api import ROOT, Serve, requests_per_second, server_env
from tests.support.live import free_port

RESULTS = Path(__file__).parent / "results"
NGINX_CONF = """
daemon off;
user root;
worker_processes 1;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log warn;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    access_log off;
    client_body_temp_path {work}/body;
    proxy_temp_path {work}/proxy;
    fastcgi_temp_path {work}/fastcgi;
    uwsgi_temp_path {work}/uwsgi;
    scgi_temp_path {work}/scgi;
    keepalive_requests 1000000;
    server {{
        listen 127.0.0.1:{port};
        root {site};
        location / {{ try_files $uri $uri/ =404; }}
    }}
}}
"""


def wait_200(url: str, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"{url} never answered 200")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    if shutil.which("nginx") is None:
        sys.exit("nginx is not installed (Debian: apt-get install nginx)")
    work = Path(tempfile.mkdtemp(prefix="bench-static-"))
    data = Path(os.environ.get("FILMTOUR_DATA_DIR") or work / "data")
    env = server_env(data, Path(os.environ.get("FILMTOUR_VALHALLA_TILES_DIR") or data / "valhalla_tiles"))
    site = work / "site"
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "app.cli", "export-site", str(site)],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=900,
    )
    export_s = time.perf_counter() - started
    files = [p for p in site.rglob("*") if p.is_file()]
    export = {
        "seconds": round(export_s, 1),
        "files": len(files),
        "megabytes": round(sum(p.stat().st_size for p in files) / 1e6, 2),
    }
    port = free_port()
    conf = work / "nginx.conf"
    conf.write_text(NGINX_CONF.format(work=work, port=port, site=site))
    nginx = subprocess.Popen(["nginx", "-c", str(conf), "-p", str(work)], stderr=subprocess.DEVNULL)
    try:
        wait_200(f"http://127.0.0.1:{port}/map/")
        static = requests_per_second(port, "/map/", args.seconds)
    finally:
        nginx.terminate()
        nginx.wait(timeout=10)
    with Serve(env, work / "serve.log") as app:
        app.wait_for("/map")
        dynamic = requests_per_second(app.port, "/map", args.seconds)
    ratio = round(static["rps"] / max(dynamic["rps"], 0.1), 1)
    result = {
        "export": export,
        "nginx_map": static,
        "app_map": dynamic,
        "ratio": ratio,
        "cpus": os.cpu_count(),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "static.json").write_text(json.dumps(result, indent=1) + "\n")
    md = [
        "# Static export vs the app (benchmarks/bench_static.py)",
        "",
        f"Export: {export['seconds']} s, {export['files']} files, {export['megabytes']} MB.",
        "",
        "| /map served by | requests/s | requests | errors |",
        "|---|---:|---:|---:|",
        f"| nginx, export's files | {static['rps']} | {static['requests']} | {static['errors']} |",
        f"| the app (filmtour serve, 1 worker) | {dynamic['rps']} | {dynamic['requests']} | {dynamic['errors']} |",
        "",
        f"nginx / app: **×{ratio}** ({os.cpu_count()} CPUs, one run, {args.seconds:g} s each, 4 connections).",
    ]
    (RESULTS / "static.md").write_text("\n".join(md) + "\n")
    print("\n".join(md))
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
