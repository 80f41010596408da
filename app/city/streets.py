"""The City of Philadelphia's named street segments, read from the shipped ``data/city/streets.geojson.gz``.

Each segment is one record of the City's 2012 street centerline joined to its SEG_ID, name fields, street code
and address ranges (see ``data/city/SOURCES.md`` and ``app/city/build.py``). Coordinates are WGS84 (lon, lat).

Direction: each line runs from its address *from* end to its *to* end. The City digitises its centerline in the
direction of rising addresses, and the builder keeps that order. Checked on the shipped file
(tests/city/test_streets.py): 99.8 % of "S ... St" segments start at their north end (numbers rise southward
from Market St), 99.7 % of "N ... St" segments at their south end, every Walnut St segment at its east end, and
the 2300 block of S Lambert St (2301-2399 / 2300-2398) starts at its north end.
A segment whose ranges are all 0 has no addresses, and its direction means nothing.

Segments the builder could not join to one SEG_ID keep their geometry (the walking network needs them) with a
negative ``seg_id`` (minus the shapefile record number, less one), empty name fields and ``st_code`` 0.
"""

from __future__ import annotations

import gzip
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

import orjson

from app.core.config import SHIPPED_DATA

STREETS_FILE = SHIPPED_DATA / "city" / "streets.geojson.gz"

SegmentKind = Literal["street", "path", "expressway"]

# City ST_TYPE codes written as people write them on signs and maps (USPS abbreviations for the usual ones, the
# word where people use the word: "Schuylkill River Trail", "Dilworth Plaza").
_TYPE_WORDS = {
    "TRL": "Trail",
    "PLZ": "Plaza",
    "BRG": "Bridge",
    "TUNL": "Tunnel",
    "HTS": "Heights",
    "CRK": "Creek",
    "DWY": "Driveway",
    "ALY": "Alley",
}
_DIRECTIONS = frozenset({"N", "S", "E", "W"})
_ORDINAL = re.compile(r"^(\d+)(ST|ND|RD|TH)$")


def _word(word: str) -> str:
    """One word of a City street name in the case people write it: "21ST" -> "21st", "MCKEAN" -> "McKean"."""
    if m := _ORDINAL.match(word):
        return m.group(1) + m.group(2).lower()
    if word.startswith("MC") and len(word) > 2:
        return "Mc" + word[2:].capitalize()
    if word == "MC":
        return "Mc"
    return "-".join(part.capitalize() for part in word.split("-"))


def display_name(pre_dir: str, st_name: str, st_type: str, post_dir: str) -> str:
    """A street's name as people write it from the City's raw fields: ("S", "21ST", "ST", "") -> "S 21st St",
    ("", "KELLY", "DR", "") -> "Kelly Dr". Only compass directions are kept: the City also puts carriageway
    codes ("NB" on the Delaware Expy) and ramp letters ("K") in those fields, which no sign shows."""
    if not st_name:
        return ""
    parts = [pre_dir] if pre_dir in _DIRECTIONS else []
    parts.extend(_word(w) for w in st_name.split())
    if st_type:
        parts.append(_TYPE_WORDS.get(st_type, st_type.capitalize()))
    if post_dir in _DIRECTIONS:
        parts.append(post_dir)
    return " ".join(parts)


@dataclass(frozen=True, slots=True)
class Segment:
    seg_id: int
    name: str  # as people write it: "S 21st St", "Kelly Dr"; "" when the City gives none
    pre_dir: str  # the City's raw fields ("" when none)
    st_name: str
    st_type: str
    post_dir: str
    st_code: int  # joins the City's intersections file's street codes
    l_from: int  # address ranges, 0 when none; the line runs from the *_from end to the *_to end
    l_to: int
    r_from: int
    r_to: int
    kind: SegmentKind  # "street" | "path" (trails, walks) | "expressway" (EXPY/RAMP: never walkable)
    coords: tuple[tuple[float, float], ...]  # (lon, lat), from the address "from" end to the "to" end

    @property
    def has_addresses(self) -> bool:
        return any((self.l_from, self.l_to, self.r_from, self.r_to))


def _segment(feature: dict) -> Segment:
    p = feature["properties"]
    return Segment(
        seg_id=p["seg_id"],
        name=display_name(p["pre_dir"], p["st_name"], p["st_type"], p["post_dir"]),
        pre_dir=p["pre_dir"],
        st_name=p["st_name"],
        st_type=p["st_type"],
        post_dir=p["post_dir"],
        st_code=p["st_code"],
        l_from=p["l_from"],
        l_to=p["l_to"],
        r_from=p["r_from"],
        r_to=p["r_to"],
        kind=p["kind"],
        coords=tuple((x, y) for x, y in feature["geometry"]["coordinates"]),
    )


def read_segments(path: Path | None = None) -> tuple[Segment, ...]:
    """Every segment of the City's centerline, read afresh and not kept: for a one-off build in a serving
    process (the basemap at start-up), where a cached copy would stay resident (~80 MB) for nothing."""
    with gzip.open(path or STREETS_FILE, "rb") as fh:
        collection = orjson.loads(fh.read())
    return tuple(_segment(f) for f in collection["features"])


@lru_cache(maxsize=4)
def _load(path: Path) -> tuple[Segment, ...]:
    return read_segments(path)


def load_segments(path: Path | None = None) -> tuple[Segment, ...]:
    """Every segment of the City's centerline, named where the City names it (the shipped file by default).
    Read once per process and path, then cached (the CLI's builds use them more than once)."""
    return _load((path or STREETS_FILE).resolve())


__all__ = ["STREETS_FILE", "Segment", "SegmentKind", "display_name", "load_segments", "read_segments"]
