"""``filmtour map``: a tour, a film or a saved route as one standalone HTML map file (folium)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeGuard

import typer

from app.cli.common import cli, console, fail

if TYPE_CHECKING:  # folium is imported only when the command runs (a fast `filmtour --help`)
    from app.folium_maps.basemap import Basemap

BASEMAPS = ("filmtour", "openstreetmap", "none")  # app.folium_maps.basemap.Basemap's values


def _is_basemap(value: str) -> TypeGuard[Basemap]:
    return value in BASEMAPS


@cli.command("map")
def map_cmd(
    what: Annotated[
        str,
        typer.Argument(
            help="A tour id (rocky-1976-montage), a film id (rocky-ii-1979) or a saved route's id.",
            show_default=False,
        ),
    ],
    out: Annotated[Path, typer.Option("--out", help="The HTML file to write.")],
    service_url: Annotated[
        str | None,
        typer.Option(
            help="The filmtour service for saved routes and the basemap's tiles (default: $FILMTOUR_URL, "
            "else http://127.0.0.1:8000 for the tiles).",
        ),
    ] = None,
    self_contained: Annotated[
        bool, typer.Option(help="Inline every script (Leaflet, jQuery, the basemap renderer): no CDN.")
    ] = False,
    basemap: Annotated[
        str, typer.Option(help="filmtour (our vector tiles), openstreetmap (OSM's raster tiles) or none.")
    ] = "filmtour",
) -> None:
    """Write a standalone map file: tours and films from the local atlas (planned as `filmtour route` plans),
    a saved route from the service."""
    if not _is_basemap(basemap):
        fail(f"--basemap: {basemap!r} is not one of filmtour, openstreetmap, none")
    if out.is_dir() or not out.parent.is_dir():
        fail(f"--out: {out} is not a file in an existing folder")
    from sqlmodel import Session

    import app.folium_maps as fm
    from app.cli.common import build_tiles
    from app.core.config import get_settings
    from app.db import repository as repo

    settings = get_settings()
    url = fm.service_url(service_url)
    with Session(fm.sources.open_atlas(settings)) as session:
        tour = repo.get_tour(session, what)
        film = None if tour else repo.resolve_film(session, what)
    try:
        if tour:
            if not settings.valhalla_url:
                build_tiles(settings)  # with a progress bar on a first build
            m = fm.route_map(
                fm.tour_route(tour.id), service_url=url, basemap=basemap, self_contained=self_contained
            )
        elif film:  # the places from the local atlas; the tiles from the service
            m = fm.places_map(
                fm.places(film=film.id), service_url=url, basemap=basemap, self_contained=self_contained
            )
        elif url:
            m = fm.route_map(what, service_url=url, basemap=basemap, self_contained=self_contained)
        else:
            fail(
                f"{what!r} is no tour or film of the local atlas; for a saved route give --service-url "
                "or set FILMTOUR_URL"
            )
    except fm.MapSourceError as exc:
        fail(str(exc))
    try:
        m.save(str(out))
    except OSError as exc:
        fail(f"cannot write {out}: {exc.strerror or exc}")
    console.print(f"map written to {out} ({out.stat().st_size / 1024:.0f} KB)")
