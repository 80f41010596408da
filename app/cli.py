"""The ``filmtour`` command line: serve the API, manage the database, the street network and routes."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from app.core.config import Settings, get_settings

cli = typer.Typer(
    help="filmtour: walk or run the Rocky (1976) training montage through Philadelphia's streets.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_cli = typer.Typer(help="The database: migrate it and load the locations dataset.", no_args_is_help=True)
cli.add_typer(db_cli, name="db")

console = Console()
err = Console(stderr=True)


def _fail(message: str, code: int = 1) -> None:
    err.print(f"[bold red]error:[/] {message}")
    raise typer.Exit(code)


def _database(settings: Settings):  # noqa: ANN202
    """Connect and migrate, or exit with a clear message (never a traceback) when the database is down."""
    from app.core.errors import ServiceUnavailable
    from app.db.migrate import upgrade_to_head
    from app.db.session import check_database, make_engine

    engine = make_engine(settings)
    try:
        check_database(engine)
    except ServiceUnavailable as exc:
        _fail(f"{exc.detail} at {engine.url.render_as_string(hide_password=True)}")
    upgrade_to_head(engine)
    return engine


@cli.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to listen on (default from FILMTOUR_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="TCP port (default from FILMTOUR_PORT).")] = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes (default from FILMTOUR_WORKERS).")] = None,
    reload: Annotated[bool, typer.Option(help="Reload on code changes (development).")] = False,
) -> None:
    """Start the web service: JSON API, maps and the planner page."""
    import uvicorn

    settings = get_settings()
    engine = _database(settings)  # fail fast, before any worker starts
    engine.dispose()
    from app.routing.tiles import ensure_tiles

    with _progress() as progress:
        ensure_tiles(settings, progress=progress)
    uvicorn.run(
        "app.main:app",
        host=host or settings.host,
        port=port or settings.port,
        workers=workers or settings.workers,
        reload=reload,
        log_level=settings.log_level,
        proxy_headers=True,
    )


@db_cli.command("upgrade")
def db_upgrade() -> None:
    """Apply database migrations up to the newest schema (saved routes are kept)."""
    from app.db.migrate import current_revision

    engine = _database(get_settings())
    console.print(f"database at revision [bold]{current_revision(engine)}[/]")


@db_cli.command("load")
def db_load(
    file: Annotated[Path | None, typer.Option(help="GeoJSON file (default: the shipped dataset).")] = None,
) -> None:
    """Load (upsert by id) the locations dataset into the database. Safe to run again."""
    from app.db.loader import DatasetError, load_locations_file

    settings = get_settings()
    engine = _database(settings)
    try:
        report = load_locations_file(engine, file or settings.locations_file)
    except DatasetError as exc:
        _fail(str(exc))
    console.print(
        f"{report.total} locations: {report.inserted} new, {report.updated} updated, "
        f"{report.unchanged} unchanged, {report.removed} removed"
    )


@cli.command("locations")
def locations_cmd(
    as_json: Annotated[bool, typer.Option("--json", help="Print GeoJSON instead of a table.")] = False,
    visitable: Annotated[str | None, typer.Option(help="Only places with this visitable value.")] = None,
) -> None:
    """List the filming locations."""
    from sqlmodel import Session

    from app.db import repository as repo

    engine = _database(get_settings())
    with Session(engine) as session:
        rows = [r for r in repo.all_locations(session) if visitable in (None, r.visitable)]
        if as_json:
            fc = repo.feature_collection([repo.location_feature(r) for r in rows])
            sys.stdout.write(json.dumps(fc, ensure_ascii=False, indent=2) + "\n")
            return
        table = Table(title="Rocky (1976) filming locations", show_lines=False)
        for col in ("#", "id", "name", "visitable", "confidence", "lat, lon"):
            table.add_column(col)
        for r in rows:
            table.add_row(
                str(r.scene_order or ""), r.id, r.name, r.visitable, r.confidence, f"{r.lat:.5f}, {r.lon:.5f}"
            )
        console.print(table)


def _progress():  # noqa: ANN202
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    return Progress(
        SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), console=err
    )


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
