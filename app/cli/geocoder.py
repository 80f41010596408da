"""``filmtour geocoder ...``: rebuild the offline geocoder's files from the City's data, and look text up."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from app.cli.common import cli, console, fail

geocoder_cli = typer.Typer(
    help="The offline geocoder: addresses, cross streets and landmarks found with no outside request.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
cli.add_typer(geocoder_cli, name="geocoder")


@geocoder_cli.command("build")
def geocoder_build(
    city_dir: Annotated[
        Path,
        typer.Option(
            help="The folder with the City's intersections and neighbourhoods files (where to get them: "
            "data/city/geocoder/SOURCES.md)."
        ),
    ],
    out: Annotated[
        Path | None, typer.Option(help="Where to write (default: the shipped data/city/geocoder).")
    ] = None,
) -> None:
    """Rebuild data/city/geocoder/ (cross streets, neighbourhood names, the segments' address arrays from
    data/city/streets.geojson.gz)."""
    from app.city.geocoder_build import INTERSECTIONS_SOURCE, NEIGHBOURHOODS_SOURCE, build
    from app.services.geocode import GEOCODER_DATA

    missing = [n for n in (INTERSECTIONS_SOURCE, NEIGHBOURHOODS_SOURCE) if not (city_dir / n).is_file()]
    if missing:
        fail(f"--city-dir: {city_dir} has no {', '.join(missing)}")
    target = out or GEOCODER_DATA
    with console.status("building the geocoder's files"):
        built = build(city_dir, target)
    console.print(
        f"{target}: {built.crossings:,} cross streets, {built.segments:,} segments, "
        f"{built.neighbourhoods} neighbourhood names"
    )


@geocoder_cli.command("search")
def geocoder_search(
    text: Annotated[
        str, typer.Argument(help="An address, cross streets or a name, e.g. '2313 S Lambert St'.")
    ],
    limit: Annotated[int, typer.Option(min=1, max=10, help="Most candidates shown.")] = 5,
) -> None:
    """Look text up offline and show the ranked candidates."""
    from rich.table import Table

    from app.core.config import get_settings
    from app.core.exceptions import InvalidParameter
    from app.services.geocode import Geocoder

    try:
        lookup = Geocoder(get_settings()).search(text, limit, field="text")
    except InvalidParameter as exc:
        fail(exc.detail)
    if not lookup.candidates:
        fail(f"nothing in Philadelphia matches {text!r}")
    table = Table("score", "kind", "label", "lat", "lon", "read as")
    for c in lookup.candidates:
        table.add_row(f"{c.score:.2f}", c.kind, c.label, f"{c.lat:.6f}", f"{c.lon:.6f}", c.matched)
    console.print(table)
