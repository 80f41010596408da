"""The ``filmtour`` command line: serve the API, manage the database, the street network and routes.

Only Typer is imported at the top: each command imports what it needs (FastAPI, SQLAlchemy, Valhalla, shapely,
rich's tables...) when it runs, so ``filmtour --help`` starts in a fraction of a second. These are imports of
modules below the CLI (the import-linter contracts and tests/test_architecture.py check the direction)."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from app.core.config import Settings

cli = typer.Typer(
    help="filmtour: walk or run the Rocky (1976) training montage through Philadelphia's streets.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help: rendering it with rich imports ~0.25 s of modules first
)
db_cli = typer.Typer(
    help="The database: migrate it and load the locations dataset.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
cli.add_typer(db_cli, name="db")
network_cli = typer.Typer(
    help="The street network the routes use: build tiles, fetch fresh OSM data.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
cli.add_typer(network_cli, name="network")

WORKER_STARTUP_TIMEOUT_S = 60


class _Console:
    """rich's Console, made on first use (importing rich's console costs ~0.1 s of every start)."""

    def __init__(self, stderr: bool = False) -> None:
        self._stderr = stderr
        self._console: Any = None

    def rich(self) -> Any:
        if self._console is None:
            from rich.console import Console

            self._console = Console(stderr=self._stderr)
        return self._console

    def __getattr__(self, name: str) -> Any:
        return getattr(self.rich(), name)


console = _Console()
err = _Console(stderr=True)


def _fail(message: str, code: int = 1) -> None:
    err.print(f"[bold red]error:[/] {message}")
    raise typer.Exit(code)


def _reachable(settings: Settings):
    """The database engine, or exit with a clear message (never a traceback) when the database is down."""
    from app.core.exceptions import ServiceUnavailable
    from app.db.session import check_database, make_engine

    engine = make_engine(settings)
    try:
        check_database(engine)
    except ServiceUnavailable as exc:
        _fail(f"{exc.detail} at {engine.url.render_as_string(hide_password=True)}")
    return engine


def _database(settings: Settings):
    """Connect and migrate, or exit with a clear message when the database is down."""
    from app.db.migrate import upgrade_to_head

    engine = _reachable(settings)
    upgrade_to_head(engine)
    return engine


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
    import uvicorn

    from app.core.config import get_settings
    from app.core.logging import uvicorn_log_config

    settings = get_settings()
    n_workers = workers or settings.workers
    if n_workers > 1:
        # Several workers: check first (a clear message), or uvicorn's supervisor would restart each worker
        # that exits for want of a database, forever. One worker checks it behind app.boot and exits itself.
        _reachable(settings).dispose()
        _shared_metrics_dir(settings)
    # For app.boot, which answers before app.core.config (slow to import) is loaded: the validated value,
    # also when it came from a .env file. The workers inherit it.
    os.environ["FILMTOUR_BOOT_QUEUE_MAX"] = str(settings.boot_queue_max)
    if not settings.valhalla_url and sys.stderr.isatty():
        _tiles(settings)  # at a terminal, a first build shows its progress (else the app checks them)
    uvicorn.run(
        # app.boot listens at once and answers /healthz while app.main is imported and started behind it
        # (migrations, dataset load, tile and basemap checks): a restart is alive in about a second.
        "app.boot:app",
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
    )


def _shared_metrics_dir(settings: Settings) -> None:
    """Several workers: Prometheus counters go through files so /metrics adds every worker up."""

    path = settings.data_dir / "metrics"
    shutil.rmtree(path, ignore_errors=True)  # counters from a previous run would be added in
    path.mkdir(parents=True)
    os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", str(path))


@db_cli.command("upgrade")
def db_upgrade() -> None:
    """Apply database migrations up to the newest schema (saved routes are kept)."""
    from app.core.config import get_settings
    from app.db.migrate import current_revision

    engine = _database(get_settings())
    console.print(f"database at revision [bold]{current_revision(engine)}[/]")


@db_cli.command("prune")
def db_prune(
    days: Annotated[
        int | None,
        typer.Option(
            help="Delete saved routes unread for this many days (default: saved_route_retention_days)."
        ),
    ] = None,
) -> None:
    """Delete the saved routes nobody has read for the retention period (the server also does it hourly)."""
    from app.core.config import get_settings
    from app.services import routes as routes_service

    settings = get_settings()
    if days is not None:
        settings = settings.model_copy(update={"saved_route_retention_days": days})
    gone = routes_service.prune_saved_routes(settings, _database(settings))
    keep = settings.saved_route_retention_days
    console.print(
        f"{gone} saved routes deleted (unread for {keep} days)" if keep else "retention is off (0 days)"
    )


@db_cli.command("load")
def db_load(
    file: Annotated[
        Path | None,
        typer.Option(
            help="Places GeoJSON (default: the shipped dataset); films.json and tours.json beside it."
        ),
    ] = None,
) -> None:
    """Load (upsert by id) the dataset (places, films, tours) into the database. Safe to run again."""
    from app.core.config import get_settings
    from app.db.loader import DatasetError, load_dataset

    settings = get_settings()
    engine = _database(settings)
    try:
        report = load_dataset(engine, file or settings.locations_file)
    except DatasetError as exc:
        _fail(str(exc))
    console.print(
        f"{report.total} locations: {report.inserted} new, {report.updated} updated, "
        f"{report.unchanged} unchanged, {report.removed} removed; {report.films} films, {report.tours} tours"
    )


@db_cli.command("validate")
def db_validate(
    directory: Annotated[
        Path | None,
        typer.Argument(
            help="Folder holding locations.geojson, films.json and tours.json (default: the shipped dataset).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Check a dataset folder (schemas and ids across files) without touching any database."""
    from app.core.config import SHIPPED_DATA
    from app.db.loader import DatasetError, read_dataset

    try:
        data = read_dataset((directory or SHIPPED_DATA) / "locations.geojson")
    except DatasetError as exc:
        _fail(str(exc))
    apps = sum(len(f["properties"]["appearances"]) for f in data.features)
    console.print(
        f"valid: {len(data.features)} places, {apps} appearances, {len(data.films)} films, {len(data.tours)} tours"
    )


@cli.command("locations")
def locations_cmd(
    as_json: Annotated[bool, typer.Option("--json", help="Print GeoJSON instead of a table.")] = False,
    visitable: Annotated[str | None, typer.Option(help="Only places with this visitable value.")] = None,
) -> None:
    """List the filming locations (a fresh database gets the dataset first, as the server's start-up does)."""
    import json

    from rich.table import Table
    from sqlmodel import Session

    from app.core.config import get_settings
    from app.db import repository as repo
    from app.db.loader import load_dataset
    from app.db.migrate import startup_lock

    settings = get_settings()
    engine = _database(settings)
    with Session(engine) as session:
        empty = repo.dataset_fingerprint(session)[0] == "0"
    if empty and settings.load_locations_on_startup:
        with startup_lock(engine):  # a server starting beside us may be loading it too
            load_dataset(engine, settings.locations_file)
    with Session(engine) as session:
        rows = [r for r in repo.all_locations(session) if visitable in (None, r.visitable)]
        if as_json:
            films = repo.film_index(session)
            fc = repo.feature_collection([repo.location_feature(r, films) for r in rows])
            sys.stdout.write(json.dumps(fc, ensure_ascii=False, indent=2) + "\n")
            return
        table = Table(title="Rocky (1976) filming locations", show_lines=False)
        for col in ("#", "id", "name", "visitable", "confidence", "lat, lon"):
            table.add_column(col)
        for r in rows:
            table.add_row(
                str(repo.montage_order(r) or ""),
                r.id,
                r.name,
                r.visitable,
                r.confidence,
                f"{r.lat:.5f}, {r.lon:.5f}",
            )
        console.print(table)


@cli.command("settings")
def settings_cmd() -> None:
    """Print the configuration table (Markdown, from the settings' descriptions), as in the README."""
    from app.core.config import settings_table

    sys.stdout.write(settings_table())


def _tiles(settings: Settings, pbf: Path | None = None):
    """Build (or find cached) routing tiles, with a progress bar; exit cleanly on failure."""
    from app.core.exceptions import ServiceUnavailable
    from app.maps.basemap import BasemapBuildError, ensure_basemap
    from app.routing.network import NetworkFetchError, build_network
    from app.routing.tiles import TileBuildError, ensure_tiles, rich_progress_callback

    with _progress() as progress:
        report = rich_progress_callback(progress)
        try:
            tiles = (
                build_network(pbf, settings, progress=report)
                if pbf
                else ensure_tiles(settings, progress=report)
            )
        except (TileBuildError, NetworkFetchError) as exc:
            _fail(str(exc))
        except ServiceUnavailable as exc:
            _fail(exc.detail)
        try:
            basemap = ensure_basemap(settings, pbf=pbf, progress=rich_progress_callback(progress, "basemap"))
        except BasemapBuildError as exc:
            _fail(str(exc))
    console.print(f"basemap ready: {basemap.archive} ({basemap.archive.stat().st_size / 1e6:.1f} MB)")
    return tiles


@network_cli.command("build")
def network_build(
    pbf: Annotated[Path, typer.Option(help="A local OSM extract (.osm.pbf), e.g. a Pennsylvania cut.")],
) -> None:
    """Build routing tiles and the vector basemap from a local extract; the service uses them from its next
    start."""
    from app.core.config import get_settings

    tiles = _tiles(get_settings(), pbf)
    console.print(f"tiles ready: {tiles.extract} ({tiles.extract.stat().st_size / 1e6:.1f} MB)")


@network_cli.command("fetch")
def network_fetch(
    bbox: Annotated[str, typer.Option(help="minLon,minLat,maxLon,maxLat, e.g. -75.21,39.925,-75.115,39.995")],
) -> None:
    """Download fresh OpenStreetMap ways (streets, water, parks, rail) for a box from the Overpass API and
    rebuild the routing tiles and the basemap from them."""
    from app.core.config import get_settings
    from app.core.exceptions import InvalidParameter
    from app.routing.network import NetworkFetchError, as_bbox, fetch_network

    settings = get_settings()
    try:
        box = as_bbox(bbox)
    except InvalidParameter as exc:
        _fail(f"--bbox: {exc.detail}")
    with _progress() as progress:
        task = progress.add_task("downloading from Overpass", total=None)

        def downloaded(done: int, total: int | None) -> None:
            progress.update(
                task, completed=done, total=total, description=f"downloading ({done / 1e6:.1f} MB)"
            )

        try:
            pbf, _ = fetch_network(box, settings, download_progress=downloaded, install=False)
        except NetworkFetchError as exc:
            _fail(str(exc))
    tiles = _tiles(settings, pbf)
    console.print(f"fresh OSM data from Overpass in {pbf}; tiles ready: {tiles.extract}")


@cli.command("route")
def route_cmd(
    tour: Annotated[
        str | None, typer.Option(help="A tour id, e.g. rocky-1976-montage or rocky-steps-run.")
    ] = None,
    stop: Annotated[
        list[str] | None, typer.Option("--stop", help="A location id (repeat for several).")
    ] = None,
    activity: Annotated[str, typer.Option(help="walk or run.")] = "run",
    pace: Annotated[
        float | None, typer.Option(help="Minutes per km (default: 6 running, 12 walking).")
    ] = None,
    order: Annotated[str, typer.Option(help="as_filmed, optimized or as_given.")] = "as_filmed",
    gpx: Annotated[Path | None, typer.Option(help="Write the route as GPX 1.1 here.")] = None,
    kml: Annotated[Path | None, typer.Option(help="Write the route as KML here.")] = None,
) -> None:
    """Plan a route and print its stops, distances and ETAs (optionally write GPX/KML)."""
    from pydantic import ValidationError
    from sqlmodel import Session

    from app.core.config import get_settings
    from app.core.exceptions import FilmtourError
    from app.routing.factory import get_engine
    from app.schemas.routes import RouteRequest
    from app.services import exports
    from app.services import routes as routes_service

    settings = get_settings()
    engine = _database(settings)
    _load_if_empty(engine, settings)
    if not settings.valhalla_url:
        _tiles(settings)
    try:
        req = RouteRequest(tour=tour, stops=stop or [], activity=activity, pace_min_per_km=pace, order=order)
    except ValidationError as exc:
        _fail("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()))
    with Session(engine) as session:
        try:
            fc = routes_service.plan(session, req, get_engine(settings), settings)
        except FilmtourError as exc:
            _fail(exc.detail)
    _print_route(fc)
    if gpx:
        gpx.write_text(exports.to_gpx(fc), encoding="utf-8")
        console.print(f"GPX written to {gpx}")
    if kml:
        kml.write_text(exports.to_kml(fc), encoding="utf-8")
        console.print(f"KML written to {kml}")


def _load_if_empty(engine, settings: Settings) -> None:
    from sqlmodel import Session, select

    from app.db.loader import load_dataset
    from app.db.models import Location

    with Session(engine) as session:
        if session.exec(select(Location)).first() is None:
            load_dataset(engine, settings.locations_file)


def _print_route(fc: dict) -> None:
    from rich.table import Table

    from app.services.exports import format_distance, format_duration, stop_eta

    p = fc["properties"]
    table = Table(
        title=f"{p.get('title') or 'Route'}: {format_distance(p['distance_m'])}, "
        f"{format_duration(p['duration_s'])} ({p['activity']}, {p['pace_min_per_km']:g} min/km)"
    )
    for col in ("#", "stop", "distance", "ETA"):
        table.add_column(col)
    for f in fc["features"]:
        sp = f["properties"]
        if sp["kind"] == "stop":
            table.add_row(
                str(sp["seq"]), sp["name"], format_distance(sp["distance_from_start_m"]), stop_eta(sp)
            )
    console.print(table)
    for s in fc.get("skipped", []):
        console.print(f"[yellow]skipped[/] {s['name']}: {s['reason']}")


def _progress():
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=err.rich(),
    )


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
