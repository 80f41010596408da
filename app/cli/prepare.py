"""``filmtour db prepare``: the per-deploy database step (migrate, load the dataset), run once before the
servers start (compose's ``prepare`` service, the Docker image's init step)."""

from __future__ import annotations

from typing import Annotated

import typer

from app.cli.common import console, db_cli, fail


@db_cli.command("prepare")
def db_prepare(
    load: Annotated[bool, typer.Option(help="Load the dataset too (else only migrate).")] = True,
) -> None:
    """Migrate to the newest schema and load the dataset: once per deploy, before the servers start (a server
    start then writes nothing). Safe to run again."""
    from app.core.config import get_settings
    from app.core.exceptions import ServiceUnavailable
    from app.db.loader import DatasetError
    from app.db.prepare import prepare
    from app.db.session import check_database, make_engine

    settings = get_settings()
    engine = make_engine(settings)
    try:
        check_database(engine)
        done = prepare(settings, engine, load=load, force=True)
    except ServiceUnavailable as exc:
        fail(f"{exc.detail} at {engine.url.render_as_string(hide_password=True)}")
    except DatasetError as exc:
        fail(str(exc))
    finally:
        engine.dispose()
    report = done.loaded
    loaded = (
        f"; {report.total} locations ({report.inserted} new, {report.updated} updated), "
        f"{report.films} films, {report.tours} tours"
        if report
        else ""
    )
    console.print(f"database at revision [bold]{done.revision}[/]{loaded}")
