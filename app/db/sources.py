"""Sources of standing: which pages the dataset may cite and how well each place is sourced.

The deny list (data/sources_denylist.txt) names hosts that are AI content farms, scraped copies or mirrors; a
test rejects any of them anywhere in the dataset. ``weak_places`` and ``stale_places`` are what
``filmtour data audit`` reports."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

# Personal blogs and fan wikis: fine beside an original publisher, weak alone. The established film-location
# guides that happen to live on these hosts (ESTABLISHED) are not fan sites for this purpose.
FAN_HOST_SUFFIXES = (
    "blogspot.com",
    "wordpress.com",
    "wikia.com",
    "fandom.com",
    "tumblr.com",
    "amebaownd.com",
)
ESTABLISHED = ("movie-tourist.blogspot.com", "rtrlocations.blogspot.com", "locationsfromfilms.blogspot.com")
STALE_AFTER_DAYS = 365


def host(url: str) -> str:
    name = (urlsplit(url).hostname or "").lower().rstrip(".")
    return name.removeprefix("www.")


def _matches(name: str, suffix: str) -> bool:
    return name == suffix or name.endswith("." + suffix)


def read_denylist(path: Path) -> dict[str, str]:
    """host → why, from ``host  # reason`` lines (blank lines and comment lines skipped)."""
    out: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        entry, _, why = line.partition("#")
        if entry.strip():
            out[entry.strip().lower()] = why.strip()
    return out


def denied(url: str, denylist: dict[str, str]) -> str | None:
    """The deny-list entry a URL falls under (its host or a parent domain), or None."""
    name = host(url)
    return next((d for d in denylist if _matches(name, d)), None)


def is_fan_site(url: str) -> bool:
    name = host(url)
    if any(_matches(name, e) for e in ESTABLISHED):
        return False
    return any(_matches(name, s) for s in FAN_HOST_SUFFIXES)


def _urls_in(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        if value.startswith(("http://", "https://")):
            yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _urls_in(v)
    elif isinstance(value, list):
        for v in value:
            yield from _urls_in(v)


def cited(record: dict[str, Any]) -> list[str]:
    """Every URL a record cites anywhere (sources, appearances, history, viewpoints), in order, once each."""
    return list(dict.fromkeys(_urls_in(record)))


@dataclass(frozen=True)
class Finding:
    place: str
    problem: str
    detail: str


def weak_places(features: Iterable[dict[str, Any]]) -> list[Finding]:
    """Places resting on one page, or only on fan sites (personal blogs, fan wikis)."""
    out = []
    for f in features:
        urls = cited(f["properties"])
        if len(urls) <= 1:
            out.append(Finding(f["id"], "single source", ", ".join(host(u) for u in urls) or "none"))
        elif all(is_fan_site(u) for u in urls):
            out.append(Finding(f["id"], "only fan sites", ", ".join(sorted({host(u) for u in urls}))))
    return out


def stale_places(features: Iterable[dict[str, Any]], today: date) -> list[Finding]:
    """Places whose present-day claims were checked more than a year before ``today`` (or never dated)."""
    out = []
    for f in features:
        as_of = f["properties"].get("as_of")
        if as_of is None:
            out.append(Finding(f["id"], "no as_of", "present-day claims never dated"))
        elif (today - date.fromisoformat(as_of)).days > STALE_AFTER_DAYS:
            out.append(Finding(f["id"], "as_of older than 12 months", as_of))
    return out


def denied_citations(
    records: Iterable[tuple[str, dict[str, Any]]], denylist: dict[str, str]
) -> list[Finding]:
    """(record id, record) pairs → every cited URL on the deny list."""
    out = []
    for rid, record in records:
        for url in cited(record):
            entry = denied(url, denylist)
            if entry:
                out.append(Finding(rid, f"denied source ({denylist[entry] or entry})", url))
    return out
