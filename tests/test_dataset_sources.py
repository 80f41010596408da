"""Sources of standing (issue 22 item 2): no page on the deny list is cited anywhere in the dataset; places
resting on one page or only on fan sites are reported; ``filmtour data audit`` prints stale and weak claims."""

from __future__ import annotations

import copy
import json
import shutil
import warnings
from datetime import date

import pytest
from typer.testing import CliRunner

from app.cli import cli
from app.core.config import PROJECT_ROOT
from app.db import sources

DATA = PROJECT_ROOT / "data"
DENYLIST = sources.read_denylist(DATA / "sources_denylist.txt")


def load(name: str) -> dict:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def every_record() -> list[tuple[str, dict]]:
    places = [(f["id"], f["properties"]) for f in load("locations.geojson")["features"]]
    films = [(f"film:{f['id']}", f) for f in load("films.json")["films"]]
    tours = [(f"tour:{t['id']}", t) for t in load("tours.json")["tours"]]
    return places + films + tours


def test_the_deny_list_names_hosts_and_why():
    assert len(DENYLIST) >= 20
    for entry, why in DENYLIST.items():
        assert "/" not in entry and "." in entry and " " not in entry, entry
        assert why, f"{entry}: say why it is denied"


@pytest.mark.parametrize(
    ("url", "entry"),
    [
        ("https://www.phillyseaperch.org/rocky", "phillyseaperch.org"),
        ("https://mestios-serwrk-open-8027.gitkube.com/topic/x", "gitkube.com"),
        ("http://WikiMili.com/en/Liberty_Bell", "wikimili.com"),
        ("https://en.wikipedia.org/wiki/Rocky", None),
        ("https://notphillyseaperch.org/", None),
    ],
)
def test_denied_matches_the_host_and_its_subdomains_only(url, entry):
    assert sources.denied(url, DENYLIST) == entry


def test_no_source_on_the_deny_list_is_cited_anywhere():
    found = sources.denied_citations(every_record(), DENYLIST)
    assert not found, "\n".join(f"{f.place}: {f.detail} ({f.problem})" for f in found)


def test_a_denied_source_is_caught_in_an_appearance_a_film_and_a_tour():
    place = copy.deepcopy(load("locations.geojson")["features"][0])
    place["properties"]["appearances"][0]["sources"].append("https://visualfoodie.com/guide")
    film = load("films.json")["films"][0] | {"sources": ["https://maps.thefullwiki.org/Rocky_V"]}
    tour = load("tours.json")["tours"][0] | {"note": "see https://www.forexmachines.com/x"}
    found = sources.denied_citations(
        [(place["id"], place["properties"]), ("film", film), ("tour", tour)], DENYLIST
    )
    assert {f.place for f in found} == {place["id"], "film"}  # a URL inside prose is not a citation
    assert "https://visualfoodie.com/guide" in {f.detail for f in found}
    tour["sources"] = ["https://www.forexmachines.com/x"]
    assert sources.denied_citations([("tour", tour)], DENYLIST)[0].detail.endswith("/x")


def test_places_with_a_single_source_are_reported():
    features = load("locations.geojson")["features"]
    single = sorted(f["id"] for f in features if len(sources.cited(f["properties"])) == 1)
    weak = sources.weak_places(features)
    assert sorted(w.place for w in weak if w.problem == "single source") == single
    if weak:
        warnings.warn(
            f"{len(weak)} places with weak sourcing: " + ", ".join(f"{w.place} ({w.problem})" for w in weak),
            stacklevel=1,
        )


def test_weak_sourcing_means_one_page_or_only_fan_sites():
    one = {"id": "a", "properties": {"sources": ["https://movie-locations.com/x"], "appearances": []}}
    fans = {
        "id": "b",
        "properties": {
            "sources": ["https://someone.blogspot.com/a", "https://x.fandom.com/b"],
            "appearances": [],
        },
    }
    guide = {
        "id": "c",
        "properties": {
            "sources": ["https://movie-tourist.blogspot.com/a"],
            "appearances": [{"sources": ["https://someone.blogspot.com/a"]}],
        },
    }
    assert [(w.place, w.problem) for w in sources.weak_places([one, fans, guide])] == [
        ("a", "single source"),
        ("b", "only fan sites"),
    ]


def test_stale_means_checked_more_than_a_year_ago():
    def place(as_of):
        return {"id": as_of or "none", "properties": {"as_of": as_of} if as_of else {}}

    found = sources.stale_places([place("2025-12-07"), place("2025-12-06"), place(None)], date(2026, 12, 7))
    assert [(f.place, f.problem) for f in found] == [
        ("2025-12-06", "as_of older than 12 months"),
        ("none", "no as_of"),
    ]


def test_audit_prints_stale_weak_and_denied_and_exits_0(tmp_path):
    for name in ("films.json", "tours.json", "sources_denylist.txt"):
        shutil.copy(DATA / name, tmp_path / name)
    doc = load("locations.geojson")
    first = doc["features"][0]["properties"]
    first["as_of"] = "2024-01-31"
    first["sources"] = ["https://www.bookriff.com/page"]
    first["appearances"] = first["appearances"][:1]
    first["appearances"][0]["sources"] = ["https://www.bookriff.com/page"]
    (tmp_path / "locations.geojson").write_text(json.dumps(doc), encoding="utf-8")
    result = CliRunner().invoke(cli, ["data", "audit", str(tmp_path), "--today", "2026-12-07"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert f"{len(doc['features'])} places" in out and "viewpoints" in out
    assert "2024-01-31" in out and "bookriff.com" in out and "single source" in out


def test_audit_fails_cleanly_without_a_dataset(tmp_path):
    result = CliRunner().invoke(cli, ["data", "audit", str(tmp_path)])
    assert result.exit_code == 1 and "cannot read the dataset" in result.output
    assert "Traceback" not in result.output
