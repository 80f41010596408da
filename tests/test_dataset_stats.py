"""The counts block of data/DATASET.md is generated from the files (issue 22): it fails here when it goes stale,
and ``filmtour data stats --write`` rewrites it."""

from __future__ import annotations

import json
import shutil

import pytest
from typer.testing import CliRunner

from app.cli import cli
from app.core.config import PROJECT_ROOT
from app.db import stats

DATA = PROJECT_ROOT / "data"


def load() -> tuple[list, list, list]:
    def read(name: str) -> dict:
        return json.loads((DATA / name).read_text(encoding="utf-8"))

    return read("locations.geojson")["features"], read("films.json")["films"], read("tours.json")["tours"]


def test_the_committed_counts_block_is_what_the_files_give():
    committed = stats.current_block((DATA / "DATASET.md").read_text(encoding="utf-8"))
    assert committed == stats.counts_block(*load()), "stale counts: run `uv run filmtour data stats --write`"


def test_the_block_follows_the_files():
    places, films, tours = load()
    block = stats.counts_block(places, films, tours)
    assert f"**{len(places)} places**" in block and f"**{len(films)} films**" in block
    assert block.count("\n| ") == len(films) + 1  # header + one row per film
    smaller = stats.counts_block(places[1:], films, tours[:-1])
    assert f"**{len(places) - 1} places**" in smaller and f"{len(tours) - 1} tours" in smaller


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("https://www.movie-locations.com/movies/r/Rocky.php", "film-location sites"),
        ("https://movie-tourist.blogspot.com/2012/01/blow-out.html", "film-location sites"),
        ("https://philadelphia.cbslocal.com/2016/x", "newspapers, magazines, TV"),
        ("https://en.wikipedia.org/wiki/Rocky", "Wikipedia / wikis"),
        ("https://www.imdb.com/title/tt0075148/", "IMDb"),
        ("https://someone.blogspot.com/2010/x", "institutions, blogs, other"),
    ],
)
def test_source_types_by_host(url, kind):
    assert stats.source_type(url) == kind


def test_stats_write_rewrites_only_the_block_and_refuses_without_markers(tmp_path):
    for name in ("locations.geojson", "films.json", "tours.json"):
        shutil.copy(DATA / name, tmp_path / name)
    doc = tmp_path / "DATASET.md"
    doc.write_text(f"# head\n\n{stats.START}\n- 1 place\n{stats.END}\n\ntail\n", encoding="utf-8")
    runner = CliRunner()
    printed = runner.invoke(cli, ["data", "stats", str(tmp_path)])
    assert printed.exit_code == 0 and printed.stdout == stats.counts_block(*load())
    assert doc.read_text(encoding="utf-8").count("1 place") == 1  # printing changes nothing

    result = runner.invoke(cli, ["data", "stats", str(tmp_path), "--write"])
    assert result.exit_code == 0, result.output
    text = doc.read_text(encoding="utf-8")
    assert text.startswith("# head\n\n") and text.endswith("\n\ntail\n") and "- 1 place" not in text
    assert stats.current_block(text) == printed.stdout
    again = runner.invoke(cli, ["data", "stats", str(tmp_path), "--write"])
    assert "already current" in again.output and doc.read_text(encoding="utf-8") == text

    doc.write_text("# no markers\n", encoding="utf-8")
    refused = runner.invoke(cli, ["data", "stats", str(tmp_path), "--write"])
    assert refused.exit_code == 1 and "Traceback" not in refused.output
    assert doc.read_text(encoding="utf-8") == "# no markers\n"
