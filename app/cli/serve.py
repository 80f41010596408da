"""``filmtour serve``: the web service."""

from __future__ import annotations

import os
import shutil
import sys
from typing import TYPE_CHECKING, Annotated

import typer

from app.cli.common import build_tiles, cli, reachable

if TYPE_CHECKING:
    from app.core.config import Settings

WORKER_STARTUP_TIMEOUT_S = 60
SHUTDOWN_TIMEOUT_S = 10  # then open requests are cut: a stop never waits on a slow client


@cli.command()
def serve(
    host: Annotated[
        str | None, typer.Option(help="Interface to listen on (default from FILMTOUR_HOST).")
    ] = None,
    port: Annotated[int | None, typer.Option(help="TCP port (default from FILMTOUR_PORT).")] = None,
    workers: Annotated[
        int | None, typer.Option(help="Worker processes (default from FILMTOUR_WORKERS).")
    ] = None,
    reload: Annotated[bool, typer.Option(help="Reload on code changes (development).")] = False,
) -> None:
    """Start the web service: JSON API, maps and the planner page."""
    from app.core import gc_tuning

    # No garbage collection while the app is imported and started (back on when it has settled): ~0.12 s of CPU
    # less per restart. With several workers, uvicorn spawns fresh processes that collect as usual.
    gc_tuning.pause_for_start_up()
    import uvicorn

    from app.cli.http_protocol import BoundedH11Protocol
    from app.core.config import get_settings
    from app.core.logging import uvicorn_log_config
    from app.core.malloc import limit_malloc_arenas

    settings = get_settings()
    n_workers = workers or settings.workers
    if n_workers > 1 or reload:
        gc_tuning.resume()  # this process only supervises: the workers it spawns import and settle the app
    limit_malloc_arenas()  # fewer C heaps holding freed memory: a worker's RSS ~25 MB lower (app/core/malloc.py)
    # The database first: a clear message and exit code, not uvicorn's traceback of a failed lifespan (and with
    # several workers, not a supervisor restarting each worker that exits for want of a database, forever).
    reachable(settings).dispose()
    if n_workers > 1:
        _shared_metrics_dir(settings)
    if not settings.valhalla_url and sys.stderr.isatty():
        build_tiles(settings)  # at a terminal, a first build shows its progress (else the app checks them)
    uvicorn.run(
        # The application itself: it listens once started, so /healthz and /readyz are its own answers. A
        # restart does no per-deploy work (app.db.prepare), so that takes about a second.
        "app.main:app",
        host=host or settings.host,
        port=port or settings.port,
        workers=n_workers,
        reload=reload,
        log_level=settings.log_level,
        log_config=uvicorn_log_config(settings.log_level),  # every line JSON
        access_log=False,  # our own access log: route path only, never the query string or address
        proxy_headers=False,  # X-Forwarded-For is read by the app, from configured trusted proxies only
        # A worker's start-up (migrations check, dataset load, tile check) can take longer than uvicorn's 5 s
        # on a busy host; the supervisor would kill and restart it forever.
        timeout_worker_healthcheck=WORKER_STARTUP_TIMEOUT_S,
        # Bounds that hold without nginx in front (app/cli/http_protocol.py): h11's 16 KB cap on a request
        # head, a deadline for the head, a cap on connections, and a bounded shutdown.
        http=BoundedH11Protocol,
        limit_concurrency=settings.max_connections,
        timeout_graceful_shutdown=SHUTDOWN_TIMEOUT_S,
    )


def _shared_metrics_dir(settings: Settings) -> None:
    """Several workers: Prometheus counters go through files so /metrics adds every worker up."""

    path = settings.data_dir / "metrics"
    shutil.rmtree(path, ignore_errors=True)  # counters from a previous run would be added in
    path.mkdir(parents=True)
    os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", str(path))
