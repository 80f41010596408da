"""``filmtour network build-city``: one walking network for the whole city (the OSM extract, the City's named
streets and park trails, joined at the seams), written as the shipped OSM PBF the routing tiles are built from."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from app.cli.common import build_tiles, console, fail, network_cli, progress_bar


@network_cli.command("build-city")
def network_build_city(
    shared: Annotated[
        Path | None,
        typer.Option(
            help="The City's source files (a folder holding osm/fallback_city_centerline/ and city/): rebuild "
            "data/city/streets.geojson.gz from them first. Without it the committed file is used."
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            help="Where to write the network (default: the shipped data/osm/philadelphia_walk.osm.pbf)."
        ),
    ] = None,
    rebuild: Annotated[
        bool,
        typer.Option(
            help="Build the network file. --no-rebuild only builds the tiles and basemap of the shipped one "
            "(what a container image does)."
        ),
    ] = True,
) -> None:
    """Build the whole-city walking network and its routing tiles. The service routes on it from its next
    start, unless another extract is installed (`network build`/`fetch`) or FILMTOUR_OSM_EXTRACT is set."""
    from app.core.config import SHIPPED_EXTRACT, SHIPPED_NETWORK, get_settings

    settings = get_settings()
    target = out or SHIPPED_NETWORK
    if rebuild:
        stats = _build(shared, target, SHIPPED_EXTRACT)
        console.print(
            f"network: {stats.nodes:,} nodes, {stats.ways:,} ways, {stats.km:,.0f} km "
            f"({stats.named_share:.0%} named); seams tied {stats.seam_ties}, trail ends tied "
            f"{stats.trail_ties}; {stats.parts_dropped} islands dropped ({stats.dropped_km} km) -> {target} "
            f"({target.stat().st_size / 1e6:.1f} MB)"
        )
    elif not target.is_file():
        fail(f"no network at {target}: run without --no-rebuild first")
    # The shipped file is the default: build its tiles without installing it; another path is installed.
    tiles = build_tiles(settings, None if target.resolve() == SHIPPED_NETWORK.resolve() else target)
    console.print(f"tiles ready: {tiles.extract} ({tiles.extract.stat().st_size / 1e6:.1f} MB)")


def _build(shared: Path | None, target: Path, extract: Path):
    from app.city.build import build_streets
    from app.city.streets import STREETS_FILE, load_segments
    from app.city.trails import load_trails
    from app.routing.city_network import build_city_network

    with progress_bar() as progress:
        task = progress.add_task("city network", total=6)

        def report(desc: str, done: int, total: int) -> None:
            progress.update(task, description=f"city network: {desc}", completed=done, total=total)

        try:
            if shared is not None:
                build_streets(shared, STREETS_FILE, report)
            return build_city_network(extract, load_segments(), load_trails(), target, report)
        except (OSError, ValueError) as exc:  # missing or unreadable source files
            fail(f"cannot build the city network: {exc}")
