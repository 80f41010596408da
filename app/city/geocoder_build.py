"""``filmtour geocoder build``: the geocoder's committed files under data/city/geocoder/, from the City's files
(the folder given to the command; data/city/SOURCES.md says where each file comes from)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from app.city.addresses import simplify
from app.city.crossings import build_crossings
from app.city.interpolate import build_address_arrays
from app.city.streets import load_segments

INTERSECTIONS_SOURCE = "intersections_2018-07-31.csv"
NEIGHBOURHOODS_SOURCE = "neighborhoods_2024-10-09.geojson"
CROSSINGS_FILE = "intersections.csv.gz"
TOWNS_FILE = "neighbourhood_names.txt"
SEGMENTS_FILE = "segments.npz"
OUTLINE_FILE = "city_outline.geojson"
OUTLINE_TOLERANCE_DEG = 0.0002  # ~20 m: the outline only tells Philadelphia from Camden or Upper Darby


@dataclass(frozen=True)
class Built:
    crossings: int
    neighbourhoods: int
    segments: int
    outline_points: int


def build_town_names(source: Path, target: Path) -> int:
    """The neighbourhood names (simplified, sorted) a person may write for the town: "Manayunk, PA" is in the
    city, "Upper Darby, PA" is not."""
    doc = json.loads(source.read_text(encoding="utf-8"))
    names = set()
    for feat in doc["features"]:
        props = feat.get("properties") or {}
        for key in ("LISTNAME", "MAPNAME"):
            if props.get(key):
                names.add(simplify(str(props[key])))
    target.write_text("".join(f"{n}\n" for n in sorted(names)), encoding="utf-8")
    return len(names)


def build_city_outline(source: Path, target: Path) -> int:
    """The city's outline: the union of its neighbourhoods, simplified; returns its number of points."""
    from shapely import MultiPolygon, Polygon, geometry, set_precision, to_geojson, unary_union

    doc = json.loads(source.read_text(encoding="utf-8"))
    shapes = [geometry.shape(f["geometry"]) for f in doc["features"] if f.get("geometry")]
    merged = unary_union(shapes).buffer(0).simplify(OUTLINE_TOLERANCE_DEG, preserve_topology=True)
    # Slivers between neighbourhoods are no holes in the city: keep each part's exterior only.
    outline = MultiPolygon([Polygon(p.exterior) for p in getattr(merged, "geoms", [merged])])
    outline = set_precision(outline, 1e-5)  # ~1 m
    target.write_text(to_geojson(outline) + "\n", encoding="utf-8")
    return sum(len(p.exterior.coords) for p in outline.geoms)


def build(city_dir: Path, target_dir: Path, streets_file: Path | None = None) -> Built:
    """Everything under ``target_dir``: cross streets and neighbourhood names from the City's files in
    ``city_dir``, the segments' address arrays from the shipped data/city/streets.geojson.gz (the build alone
    reads its 90 MB of Segment objects)."""
    target_dir.mkdir(parents=True, exist_ok=True)
    return Built(
        crossings=build_crossings(city_dir / INTERSECTIONS_SOURCE, target_dir / CROSSINGS_FILE),
        neighbourhoods=build_town_names(city_dir / NEIGHBOURHOODS_SOURCE, target_dir / TOWNS_FILE),
        segments=build_address_arrays(load_segments(streets_file), target_dir / SEGMENTS_FILE),
        outline_points=build_city_outline(city_dir / NEIGHBOURHOODS_SOURCE, target_dir / OUTLINE_FILE),
    )
