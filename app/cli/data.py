"""``filmtour data audit`` and ``filmtour data stats``: how current and how well sourced the dataset is, and the
counts block of data/DATASET.md (read from the files; no database)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from app.cli.common import cli, console, fail

data_cli = typer.Typer(
    help="The researched dataset (places, films, tours): audit it, count it.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
cli.add_typer(data_cli, name="data")


def _read_dataset(directory: Path | None) -> tuple[Path, list[dict], list[dict], list[dict]]:
    """(folder, place features, films, tours) from the folder (default: the one the settings name)."""
    import json

    from app.core.config import get_settings

    folder = directory or get_settings().locations_file.parent
    try:
        places = json.loads((folder / "locations.geojson").read_text(encoding="utf-8"))["features"]
        films = json.loads((folder / "films.json").read_text(encoding="utf-8"))["films"]
        tours = json.loads((folder / "tours.json").read_text(encoding="utf-8"))["tours"]
    except (OSError, ValueError, KeyError) as exc:
        fail(f"cannot read the dataset in {folder}: {exc}")
    return folder, places, films, tours


@data_cli.command("audit")
def data_audit(
    directory: Annotated[
        Path | None,
        typer.Argument(help="Folder with locations.geojson, films.json, tours.json (default: data/)."),
    ] = None,
    today: Annotated[
        str | None, typer.Option(help="Audit as of this day (YYYY-MM-DD; default: today), for stale claims.")
    ] = None,
) -> None:
    """Print the counts, claims whose as_of is older than 12 months, places with weak sourcing (one page, or
    only fan sites) and any source on the deny list. A report, not a gate: exit code 0."""
    from statistics import mean, median

    from rich.table import Table

    from app.db import sources

    folder, places, films, tours = _read_dataset(directory)
    try:
        day = date.fromisoformat(today) if today else date.today()
    except ValueError:
        fail(f"--today must be YYYY-MM-DD, not {today!r}")
    denylist_file = folder / "sources_denylist.txt"
    denylist = sources.read_denylist(denylist_file) if denylist_file.exists() else {}

    apps = [a for f in places for a in f["properties"]["appearances"]]
    per_place = [len(sources.cited(f["properties"])) for f in places]
    console.print(
        f"[bold]{len(films)} films, {len(places)} places, {len(apps)} appearances, "
        f"{sum(1 for a in apps if a.get('viewpoint'))} viewpoints, {len(tours)} tours[/]; sources per place: "
        f"min {min(per_place)}, median {median(per_place):g}, mean {mean(per_place):.1f}, max {max(per_place)}"
    )
    records = [(f["id"], f["properties"]) for f in places] + [(f"film:{f['id']}", f) for f in films]
    records += [(f"tour:{t['id']}", t) for t in tours]
    sections = [
        (f"Present-day claims checked more than 12 months before {day}", sources.stale_places(places, day)),
        ("Weak sourcing (a single page, or only fan sites)", sources.weak_places(places)),
        (f"Sources on the deny list ({denylist_file.name})", sources.denied_citations(records, denylist)),
    ]
    for title, findings in sections:
        table = Table(title=f"{title}: {len(findings)}", title_justify="left")
        for column in ("place", "problem", "detail"):
            table.add_column(column, overflow="fold")
        for finding in findings:
            table.add_row(finding.place, finding.problem, finding.detail)
        console.print(table if findings else f"{title}: none")


@data_cli.command("stats")
def data_stats(
    directory: Annotated[
        Path | None,
        typer.Argument(help="Folder with locations.geojson, films.json, tours.json (default: data/)."),
    ] = None,
    write: Annotated[
        bool,
        typer.Option("--write", help="Rewrite the block between the counts markers of DATASET.md in place."),
    ] = False,
) -> None:
    """Print the counts block of DATASET.md (places, appearances, films, tours, viewpoints, precision, source
    types, the per-film table) as the files give it; with --write, put it between DATASET.md's
    <!-- counts:start --> and <!-- counts:end --> markers."""
    from app.db import stats

    folder, places, films, tours = _read_dataset(directory)
    block = stats.counts_block(places, films, tours)
    if not write:
        typer.echo(block, nl=False)
        return
    doc_file = folder / "DATASET.md"
    try:
        document = doc_file.read_text(encoding="utf-8")
        updated = stats.replace_block(document, block)
    except (OSError, stats.MarkersMissing) as exc:
        fail(f"cannot update {doc_file}: {exc}")
    if updated == document:
        console.print(f"{doc_file}: counts already current")
        return
    doc_file.write_text(updated, encoding="utf-8")
    console.print(f"{doc_file}: counts block rewritten")
