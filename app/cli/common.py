"""What every command shares: the Typer apps, the consoles, clean failures, the database and the tiles.

Only Typer is imported at the top: each command imports what it needs (FastAPI, SQLAlchemy, Valhalla, shapely,
rich's tables...) when it runs, so ``filmtour --help`` starts in a fraction of a second. These are imports of
modules below the CLI (the import-linter contracts and tests/test_architecture.py check the direction)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

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


def fail(message: str, code: int = 1) -> NoReturn:
    err.print(f"[bold red]error:[/] {message}")
    raise typer.Exit(code)


def reachable(settings: Settings):
    """The database engine, or exit with a clear message (never a traceback) when the database is down."""
    from app.core.exceptions import ServiceUnavailable
    from app.db.session import check_database, make_engine

    engine = make_engine(settings)
    try:
        check_database(engine)
    except ServiceUnavailable as exc:
        fail(f"{exc.detail} at {engine.url.render_as_string(hide_password=True)}")
    return engine


def database(settings: Settings):
    """Connect and migrate, or exit with a clear message when the database is down."""
    from app.db.migrate import upgrade_to_head

    engine = reachable(settings)
    upgrade_to_head(engine)
    return engine


def prepared_database(settings: Settings):
    """Connect, migrate and load the shipped dataset unless that is done already (``db prepare``'s work,
    stamped: a second run writes nothing), or exit with a clear message when the database is down."""
    from app.db.prepare import prepare

    engine = reachable(settings)
    prepare(settings, engine, load=True)
    return engine


def build_tiles(settings: Settings, pbf: Path | None = None):
    """Build (or find cached) routing tiles, with a progress bar; exit cleanly on failure."""
    from app.core.exceptions import ServiceUnavailable
    from app.maps.basemap import BasemapBuildError, ensure_basemap
    from app.routing.network import NetworkFetchError, build_network
    from app.routing.tiles import TileBuildError, ensure_tiles, rich_progress_callback

    with progress_bar() as progress:
        report = rich_progress_callback(progress)
        try:
            tiles = (
                build_network(pbf, settings, progress=report)
                if pbf
                else ensure_tiles(settings, progress=report)
            )
        except (TileBuildError, NetworkFetchError) as exc:
            fail(str(exc))
        except ServiceUnavailable as exc:
            fail(exc.detail)
        try:
            basemap = ensure_basemap(settings, pbf=pbf, progress=rich_progress_callback(progress, "basemap"))
        except BasemapBuildError as exc:
            fail(str(exc))
    console.print(f"basemap ready: {basemap.archive} ({basemap.archive.stat().st_size / 1e6:.1f} MB)")
    return tiles


def progress_bar():
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=err.rich(),
    )
