"""``filmtour network ...``: build the routing tiles and the basemap from an extract, or fetch fresh OSM data."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from app.cli.common import build_tiles, console, fail, network_cli, progress_bar


@network_cli.command("build")
def network_build(
    pbf: Annotated[Path, typer.Option(help="A local OSM extract (.osm.pbf), e.g. a Pennsylvania cut.")],
) -> None:
    """Build routing tiles and the vector basemap from a local extract; the service uses them from its next
    start."""
    from app.core.config import get_settings

    tiles = build_tiles(get_settings(), pbf)
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
        fail(f"--bbox: {exc.detail}")
    with progress_bar() as progress:
        task = progress.add_task("downloading from Overpass", total=None)

        def downloaded(done: int, total: int | None) -> None:
            progress.update(
                task, completed=done, total=total, description=f"downloading ({done / 1e6:.1f} MB)"
            )

        try:
            pbf, _ = fetch_network(box, settings, download_progress=downloaded, install=False)
        except NetworkFetchError as exc:
            fail(str(exc))
    tiles = build_tiles(settings, pbf)
    console.print(f"fresh OSM data from Overpass in {pbf}; tiles ready: {tiles.extract}")
