"""The counts block of data/DATASET.md, generated from the files so it cannot go stale.

``counts_block`` renders it as Markdown; ``replace_block`` puts it between the ``<!-- counts:start -->`` and
``<!-- counts:end -->`` markers. ``filmtour data stats [--write]`` prints or rewrites it, and
tests/test_dataset_stats.py fails when the committed block differs from what the files give."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from statistics import mean, median
from typing import Any

from app.db.sources import cited, host, weak_places

START = "<!-- counts:start -->"
END = "<!-- counts:end -->"

# Which kind of publisher a cited host is, for the "source types" lines. A host not named here counts as
# "institutions, blogs, other" (official pages, museums, personal and fan sites).
SOURCE_TYPES: dict[str, tuple[str, ...]] = {
    "film-location sites": (
        "movie-locations.com",
        "totalrocky.com",
        "thennowmovielocations.com",
        "movie-tourist.blogspot.com",
        "rtrlocations.blogspot.com",
        "locationsfromfilms.blogspot.com",
        "fast-rewind.com",
        "scoutingny.com",
        "set-jetter.com",
        "fantrippers.com",
        "filmoblivion.com",
        "iamnotastalker.com",
        "atlasofwonders.com",
        "moviebureau.com",
        "museyon.com",
        "tvtravelswithlori.com",
        "cinedelphia.com",
        "seeing-stars.com",
    ),
    "newspapers, magazines, TV": (
        "inquirer.com",
        "philly.com",
        "phillymag.com",
        "phillyvoice.com",
        "cbslocal.com",
        "cbsnews.com",
        "6abc.com",
        "fox29.com",
        "nbcphiladelphia.com",
        "thedp.com",
        "mcall.com",
        "nj.com",
        "southphillyreview.com",
        "delcotimes.com",
        "baltimoresun.com",
        "washingtonpost.com",
        "nytimes.com",
        "usatoday.com",
        "reuters.com",
        "npr.org",
        "espn.com",
        "ew.com",
        "empireonline.com",
        "slashfilm.com",
        "comingsoon.net",
        "deseret.com",
        "smh.com.au",
        "labusinessjournal.com",
        "curbed.com",
        "temple-news.com",
        "pennlive.com",
        "lancasteronline.com",
        "cleveland.com",
        "courierpostonline.com",
        "juneauempire.com",
        "vibe.com",
        "military.com",
        "bizjournals.com",
        "whyy.org",
        "billypenn.com",
        "hiddencityphila.org",
        "sjuhawknews.com",
        "wcuquad.com",
        "starnewsphilly.com",
        "moviefone.com",
        "comicbook.com",
        "superherohype.com",
        "yahoo.com",
    ),
    "Wikipedia / wikis": ("wikipedia.org", "wikia.com", "fandom.com", "tvtropes.org"),
    "IMDb": ("imdb.com",),
}
OTHER = "institutions, blogs, other"
PRECISION_BUCKETS = ((50, "±50 m"), (150, "±150 m"))


def source_type(url: str) -> str:
    name = host(url)
    for kind, hosts in SOURCE_TYPES.items():
        if any(name == h or name.endswith("." + h) for h in hosts):
            return kind
    return OTHER


def _precision(metres: float) -> str:
    return next((label for limit, label in PRECISION_BUCKETS if metres <= limit), "wider")


def _counted(counter: Counter[str], by_count: bool = False) -> str:
    items = counter.most_common() if by_count else sorted(counter.items())
    return ", ".join(f"{k} {n}" for k, n in items)


def _types(records: Iterable[dict[str, Any]]) -> Counter[str]:
    """How many records cite each source type (a record counts once per type)."""
    return Counter(kind for r in records for kind in {source_type(u) for u in cited(r)})


def counts_block(
    features: list[dict[str, Any]], films: list[dict[str, Any]], tours: list[dict[str, Any]]
) -> str:
    """The Markdown counts block (without the markers), one fact a line, then the per-film table."""
    props = [f["properties"] for f in features]
    apps = [a for p in props for a in p["appearances"]]
    views = [a["viewpoint"] for a in apps if a.get("viewpoint")]
    philly = [p for p in props if p["in_philadelphia"]]
    as_of = Counter(p.get("as_of") or "never" for p in props)
    per_place = [len(cited(p)) for p in props]
    shared = [p["id"] for p in props if len({a["film"] for a in p["appearances"]}) >= 2]
    film_places = Counter(film for p in props for film in {a["film"] for a in p["appearances"]})
    weak = weak_places(features)
    titles = {f["id"]: f["title"] for f in films}
    viewed: dict[str, list[str]] = {}
    for p in props:
        for a in p["appearances"]:
            if a.get("viewpoint"):
                viewed.setdefault(p["id"], []).append(
                    f"{titles.get(a['film'], a['film'])}: {a['viewpoint']['confidence']}"
                )
    lines = [
        (
            f"- **{len(props)} places**, {len(apps)} appearances, **{len(films)} films**, {len(tours)} tours; "
            f"{len(views)} viewpoints (confidence: {_counted(Counter(v['confidence'] for v in views))})."
        ),
        f"- Places by `as_of`: {_counted(as_of)}.",
        f"- In Philadelphia: {len(philly)}; outside the city (never routed to): {len(props) - len(philly)}.",
        f"- visitable: {_counted(Counter(p['visitable'] for p in props))}",
        f"- confidence: {_counted(Counter(p['confidence'] for p in props))}",
        "- precision of the points, all places: "
        + _counted(Counter(_precision(p["precision_m"]) for p in props)),
        "- precision, Philadelphia places only: "
        + _counted(Counter(_precision(p["precision_m"]) for p in philly)),
        "- places citing each source type (a place counts once per type, by the cited URL's site): "
        + _counted(_types(props), by_count=True),
        "- films citing each source type: " + _counted(_types(films), by_count=True),
        (
            f"- sources per place (distinct URLs): min {min(per_place)}, median {median(per_place):g}, "
            f"mean {mean(per_place):.1f}, max {max(per_place)}; {per_place.count(1)} places have 1, "
            f"{per_place.count(2)} have 2, {sum(1 for n in per_place if n >= 3)} have 3 or more."
        ),
        f"- weak sourcing (one page, or only fan sites; `filmtour data audit` lists them): {len(weak)} places.",
        f"- places with appearances in two or more films (one pin, several appearances): {len(shared)} — "
        + ", ".join(shared),
        f"- scenes with a viewpoint, by place ({len(viewed)} places): "
        + ", ".join(f"{pid} ({'; '.join(v)})" for pid, v in viewed.items()),
        "",
        "| film | year | places | shot in Philadelphia |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| {f['title']} | {f['year']} | {film_places[f['id']]} | {f.get('philadelphia_share') or '—'} |"
        for f in films
    ]
    return "\n".join(lines) + "\n"


class MarkersMissing(ValueError):
    """The document has no ``<!-- counts:start -->`` … ``<!-- counts:end -->`` pair (in that order)."""


def current_block(document: str) -> str:
    """The text between the markers (without them and the newlines right after/before them)."""
    start, end = document.find(START), document.find(END)
    if start < 0 or end < start:
        raise MarkersMissing(f"no {START} … {END} pair")
    return document[start + len(START) : end].strip("\n") + "\n"


def replace_block(document: str, block: str) -> str:
    """The document with the text between the markers replaced by ``block``."""
    current_block(document)  # raises when the markers are missing
    head, _, rest = document.partition(START)
    _, _, tail = rest.partition(END)
    return f"{head}{START}\n{block.rstrip(chr(10))}\n{END}{tail}"
