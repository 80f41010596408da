"""The City's park trails (Philadelphia Parks & Recreation), read from the shipped ``data/city/trails.geojson.gz``:
Forbidden Drive, the Wissahickon's coloured trails, Kelly Drive Trail, Schuylkill Banks, Pennypack, Cobbs Creek.
1,683 LineStrings, 280 km, WGS84 (see data/city/SOURCES.md)."""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import orjson

from app.core.config import SHIPPED_DATA

TRAILS_FILE = SHIPPED_DATA / "city" / "trails.geojson.gz"
UNNAMED = "Minor Trail"  # the City's placeholder for a trail without a name: no name on a map or in a step


@dataclass(frozen=True, slots=True)
class Trail:
    name: str  # "" for the City's "Minor Trail"
    paved: bool
    coords: tuple[tuple[float, float], ...]  # (lon, lat)


@lru_cache(maxsize=4)
def _load(path: Path) -> tuple[Trail, ...]:
    with gzip.open(path, "rb") as fh:
        features = orjson.loads(fh.read())["features"]
    trails = []
    for f in features:
        name = (f["properties"].get("NAME") or "").strip()
        trails.append(
            Trail(
                name="" if name == UNNAMED else name,
                paved=f["properties"].get("SURFACE") == "Paved",
                coords=tuple((x, y) for x, y in f["geometry"]["coordinates"]),
            )
        )
    return tuple(trails)


def load_trails(path: Path | None = None) -> tuple[Trail, ...]:
    """Every park trail (the shipped file by default), read once per process and path."""
    return _load((path or TRAILS_FILE).resolve())


__all__ = ["TRAILS_FILE", "Trail", "load_trails"]
