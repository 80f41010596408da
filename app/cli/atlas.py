"""``filmtour locations``, ``filmtour route`` and ``filmtour settings``: the atlas and its routes at a terminal."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from app.cli.common import build_tiles, cli, console, fail, prepared_database

if TYPE_CHECKING:
    from app.schemas.route_document import RouteDocument


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

    settings = get_settings()
    engine = prepared_database(settings)
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
    engine = prepared_database(settings)
    if not settings.valhalla_url:
        build_tiles(settings)
    try:
        req = RouteRequest(tour=tour, stops=stop or [], activity=activity, pace_min_per_km=pace, order=order)
    except ValidationError as exc:
        fail("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()))
    with Session(engine) as session:
        try:
            fc = routes_service.plan(session, req, get_engine(settings), settings)
        except FilmtourError as exc:
            fail(exc.detail)
    _print_route(fc)
    if gpx:
        gpx.write_text(exports.to_gpx(fc), encoding="utf-8")
        console.print(f"GPX written to {gpx}")
    if kml:
        kml.write_text(exports.to_kml(fc), encoding="utf-8")
        console.print(f"KML written to {kml}")


def _print_route(fc: RouteDocument) -> None:
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
