"""Park names for the whole city, as label points: the shipped park polygons stop at the downtown box, so
outside it the names come from two City sources we already ship, and no park outline is guessed.

- The watershed parks (the City's own list: Wissahickon Valley, Pennypack, Cobbs Creek, Tacony Creek,
  Poquessing Creek) are long and narrow along their creeks, and the City's trails run through them: each name
  sits on its park's trails, from z12, at the point of them nearest their middle that leaves room for the
  neighbourhood names around it (the map drops a park name that would overlap one).
- Every other park in the City's landmark list (passyunk's ``landmarks.csv``: "COBBS CREEK PARK, 6801 HAVERFORD
  AVE") sits where our offline geocoder puts its address, from z15 (the list has no areas, so a park's size
  cannot choose its zoom; z15 is where the downtown parks of a city block are named), except FDR Park
  (348 acres), from z12. A landmark whose address is no street address (many say only their own name) is left
  out: the list's point is the only one we have.

``build_park_names`` writes ``data/basemap/park_names.geojson`` (committed; ``python -m
app.maps.basemap.park_names`` rebuilds it); the basemap reads that file like its other layers."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Any

from pyproj import Geod
from shapely.geometry import LineString, MultiLineString, Point, shape
from shapely.ops import nearest_points

from app.city.addresses import simplify
from app.city.geocoder import CityGeocoder
from app.city.trails import Trail, load_trails
from app.core.config import SHIPPED_DATA
from app.maps.basemap.sources import label_point

PARK_NAMES_FILE = SHIPPED_DATA / "basemap" / "park_names.geojson"
GEOCODER_DATA = SHIPPED_DATA / "city" / "geocoder"
BIG_PARK_ZOOM = 12
LANDMARK_PARK_ZOOM = 15
# The City's watershed parks outside the downtown box, with the City trails (data/basemap/trails.geojson) that
# run through each: the creek's own trail, and in the Wissahickon Forbidden Drive and its coloured trails.
WATERSHED_PARKS: dict[str, tuple[str, ...]] = {
    "Wissahickon Valley Park": ("Forbidden Drive", "Orange Trail", "Yellow Trail", "White Trail"),
    "Pennypack Park": ("Pennypack Trail",),
    "Cobbs Creek Park": ("Cobbs Creek Trail",),
    "Tacony Creek Park": ("Tacony Creek Trail",),
    "Poquessing Creek Park": ("Poquessing Creek Trail", "Poquessing 3 Trail"),
}
BIG_LANDMARK_PARKS = frozenset({"FRANKLIN D ROOSEVELT PARK"})  # FDR Park, 348 acres, and no trail of its own
# Landmarks whose name ends in "PARK" but are no park: a ballpark, industrial estates, a nursing home, ...
# and things at a park ("COMMUNITY GARDEN AT RALPH BROOKS PARK").
NOT_A_PARK = re.compile(
    r"INDUSTRIAL|LIVING|KINGDOM HALL|LIBRARY|CITIZENS BANK|APARTMENT|SHOPPING|OFFICE|\bAT\b"
)
SAME_PARK_M = 300  # "VINE STREET PARK (676)" and "(95)": one park, one name
TRAIL_STEP_M = 100  # candidate points along a park's trails
CLEAR_KM = (2.2, 0.6)  # east-west, north-south room from a neighbourhood name at z13
KM_PER_DEGREE_LAT, KM_PER_DEGREE_LON = 111.0, 85.2  # at Philadelphia's latitude (40° N): for label room only
_KEEP_UPPER = frozenset({"II", "III", "IV", "FDR", "MLK"})
_SMALL = frozenset({"AND", "OF", "THE", "TO"})
_GEOD = Geod(ellps="WGS84")


def display(name: str) -> str:
    """The City's upper-case name as a sign would write it: "LARDNERS POINT PARK" → "Lardners Point Park",
    "MCMICHAEL PARK" → "McMichael Park", "PENN'S LANDING DOG PARK" → "Penn's Landing Dog Park"."""
    words = []
    for i, word in enumerate(name.split()):
        if word in _SMALL and i:
            words.append(word.lower())
            continue
        if word in _KEEP_UPPER:
            words.append(word)
            continue
        word = word[:1] + word[1:].lower()
        if word.startswith("Mc") and len(word) > 2:
            word = "Mc" + word[2].upper() + word[3:]
        words.append(word)
    return " ".join(words)


def landmark_parks() -> list[tuple[str, str, str]]:
    """(the City's name, the name to show, address-or-alias) of every park in the City's landmark list; the name
    shown drops a trailing "(…)" that tells two parks of one name apart ("CARROLL PARK (COBBS CREEK)")."""
    text = resources.files("passyunk.pdata").joinpath("landmarks.csv").read_text(encoding="utf-8")
    parks = []
    for row in csv.reader(io.StringIO(text)):
        if len(row) < 2:
            continue
        name = re.sub(r"\s*\(.*\)$", "", row[0].strip())
        if name.endswith(" PARK") and not NOT_A_PARK.search(name):
            parks.append((row[0].strip(), name, row[1].strip()))
    return parks


def _clear_of(point: Point, others: list[Point]) -> bool:
    """Whether a park name at ``point`` stays clear of the neighbourhood names at ``others`` at z13 (the two
    labels' boxes there: about 4 km wide together and 1 km tall, at 19 m a pixel)."""
    return all(
        abs(point.x - o.x) * KM_PER_DEGREE_LON > CLEAR_KM[0]
        or abs(point.y - o.y) * KM_PER_DEGREE_LAT > CLEAR_KM[1]
        for o in others
    )


def _trail_point(trails: Iterable[Trail], names: tuple[str, ...], avoid: list[Point]) -> Point | None:
    """A point on the named trails (so inside the park): the one nearest the middle of their extent that leaves
    the neighbourhood names at ``avoid`` room (the map drops a park name that would overlap one), else the
    middle one."""
    lines = [LineString(t.coords) for t in trails if t.name in names and len(t.coords) >= 2]
    if not lines:
        return None
    network = MultiLineString(lines)
    middle = network.envelope.centroid
    step = TRAIL_STEP_M / 1000 / KM_PER_DEGREE_LAT
    candidates = [
        line.interpolate(d) for line in lines for d in [i * step for i in range(int(line.length / step) + 1)]
    ]
    clear = [p for p in candidates if _clear_of(p, avoid)]
    return min(clear, key=middle.distance) if clear else nearest_points(network, middle)[0]


def _feature(name: str, point: Point, min_zoom: int, source: str) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [round(point.x, 6), round(point.y, 6)]},
        "properties": {"name": name, "min_zoom": min_zoom, "from": source},
    }


def _polygon_park_names(parks_file: Path) -> set[str]:
    try:
        features = json.loads(parks_file.read_text(encoding="utf-8"))["features"]
    except (OSError, ValueError, KeyError):
        return set()
    return {simplify(n) for f in features if (n := (f.get("properties") or {}).get("name"))}


def _neighbourhood_label_points(path: Path) -> list[Point]:
    """Where the basemap puts the neighbourhood names (``sources.read_neighbourhoods``)."""
    try:
        features = json.loads(path.read_text(encoding="utf-8"))["features"]
    except (OSError, ValueError, KeyError):
        return []
    return [label_point(shape(f["geometry"])) for f in features]


def build_park_names(
    geocoder: CityGeocoder,
    trails: Iterable[Trail],
    layers_dir: Path = SHIPPED_DATA / "basemap",
) -> dict[str, Any]:
    """The park name points as a GeoJSON FeatureCollection (see the module's docstring)."""
    trails = list(trails)
    avoid = _neighbourhood_label_points(layers_dir / "neighbourhoods.geojson")
    parks_file = layers_dir / "parks.geojson"
    features = []
    for name, trail_names in WATERSHED_PARKS.items():
        point = _trail_point(trails, trail_names, avoid)
        if point is not None:
            features.append(_feature(name, point, BIG_PARK_ZOOM, "City trails: " + ", ".join(trail_names)))
    # Named already: the downtown polygons' parks, and the watershed parks placed on their trails.
    named = _polygon_park_names(parks_file) | {simplify(n) for n in WATERSHED_PARKS}
    placed: list[tuple[str, Point]] = []
    for city_name, name, address in landmark_parks():
        if simplify(name) in named:
            continue
        found = [c for c in geocoder.search(city_name, 3).candidates if c.kind == "landmark"]
        if not found or not found[0].exact:
            continue
        point = Point(found[0].lon, found[0].lat)
        label = display(name)
        if any(n == label and _metres(p, point) < SAME_PARK_M for n, p in placed):
            continue
        placed.append((label, point))
        zoom = BIG_PARK_ZOOM if name in BIG_LANDMARK_PARKS else LANDMARK_PARK_ZOOM
        features.append(_feature(label, point, zoom, f"City landmark: {city_name}, {address}"))
    return {"type": "FeatureCollection", "features": features}


def _metres(a: Point, b: Point) -> float:
    return _GEOD.inv(a.x, a.y, b.x, b.y)[2]


def write_park_names(path: Path = PARK_NAMES_FILE) -> int:
    """Build from the shipped files and write one feature a line (small diffs); returns the feature count."""
    geocoder = CityGeocoder.load(GEOCODER_DATA, SHIPPED_DATA / "locations.geojson")
    doc = build_park_names(geocoder, load_trails())
    lines = ",\n".join(json.dumps(f, ensure_ascii=False) for f in doc["features"])
    path.write_text(f'{{"type": "FeatureCollection", "features": [\n{lines}\n]}}\n', encoding="utf-8")
    return len(doc["features"])


def main() -> None:
    print(f"{write_park_names()} park names written to {PARK_NAMES_FILE}")


if __name__ == "__main__":
    main()

__all__ = ["PARK_NAMES_FILE", "WATERSHED_PARKS", "build_park_names", "display", "landmark_parks"]
