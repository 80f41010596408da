"""Names → points for words a person types: our own places (data/locations.geojson) and the City's landmark
names, matched word by word (every typed word the start of a word of the name, so "eastern state pen" and
"valley gr" match as they are typed)."""

from __future__ import annotations

import bisect
import json
from dataclasses import dataclass
from pathlib import Path

from app.city.addresses import simplify

STOP_WORDS = frozenset({"THE", "OF", "AND", "&", "AT", "PHILADELPHIA", "PA"})


@dataclass(frozen=True)
class NamedPoint:
    name: str  # as shown
    key: str  # simplified
    lon: float
    lat: float
    ref: str  # our place id


def words(text: str) -> list[str]:
    return [w for w in simplify(text).split() if w not in STOP_WORDS]


def word_match(query_words: list[str], name_words: list[str]) -> float:
    """How well typed words match a name, 0..1: 0 unless each typed word starts some word of the name (the last
    may be unfinished); whole-word matches and names with few extra words score higher."""
    if not query_words or not name_words:
        return 0.0
    whole = 0
    for i, q in enumerate(query_words):
        if q in name_words:
            whole += 1
        elif not any(w.startswith(q) for w in name_words) or (i < len(query_words) - 1 and len(q) < 3):
            return 0.0
    covered = len(query_words) / max(len(query_words), len(name_words))
    return 0.5 + 0.3 * covered + 0.2 * whole / len(query_words)


class Places:
    """Our own places: the researched dataset's names and points (its "name" and the first part before "(")."""

    def __init__(self, points: list[NamedPoint]) -> None:
        self.points = points
        self._words = [words(p.name) for p in points]

    @classmethod
    def read(cls, path: Path) -> Places:
        doc = json.loads(path.read_text(encoding="utf-8"))
        points = []
        for feat in doc.get("features", []):
            props, geom = feat.get("properties") or {}, feat.get("geometry") or {}
            if geom.get("type") != "Point" or not props.get("in_philadelphia", True):
                continue
            name = str(props.get("name") or "").strip()
            if name:
                lon, lat = geom["coordinates"][:2]
                points.append(
                    NamedPoint(name, simplify(name), float(lon), float(lat), str(props.get("id", "")))
                )
        return cls(points)

    def match(self, text: str, limit: int = 5) -> list[tuple[float, NamedPoint]]:
        qw = words(text)
        scored = [(word_match(qw, w), p) for w, p in zip(self._words, self.points, strict=True)]
        scored = [(s, p) for s, p in scored if s > 0]
        scored.sort(key=lambda sp: -sp[0])
        return scored[:limit]


def prefix_names(sorted_names: list[str], text: str, limit: int) -> list[str]:
    """Names in a sorted list that start with the simplified text (the City's landmark names)."""
    key = simplify(text)
    if len(key) < 3:
        return []
    i = bisect.bisect_left(sorted_names, key)
    out = []
    while i < len(sorted_names) and sorted_names[i].startswith(key) and len(out) < limit:
        out.append(sorted_names[i])
        i += 1
    return out
