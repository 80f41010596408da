"""``filmtour db ...``: migrate, load, validate and prune the database."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from app.cli.common import console, database, db_cli, fail


@db_cli.command("upgrade")
def db_upgrade() -> None:
    """Apply database migrations up to the newest schema (saved routes are kept)."""
    from app.core.config import get_settings
    from app.db.migrate import current_revision

    engine = database(get_settings())
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
    gone = routes_service.prune_saved_routes(settings, database(settings))
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
    engine = database(settings)
    try:
        report = load_dataset(engine, file or settings.locations_file)
    except DatasetError as exc:
        fail(str(exc))
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
        fail(str(exc))
    apps = sum(len(f["properties"]["appearances"]) for f in data.features)
    console.print(
        f"valid: {len(data.features)} places, {apps} appearances, {len(data.films)} films, {len(data.tours)} tours"
    )
