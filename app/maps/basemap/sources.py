"""What the basemap draws, read from its inputs into layers of web-mercator features, each with the zooms it
shows at and its properties (see docs/basemap.md for the tile schema).

- Streets: the OSM extract inside its box (sidewalks, steps, paths, names where OSM has them); outside it the
  City's named street segments (``app.city.streets``), classed by who maintains them (data/basemap/
  road_classes.json: state roads are the arterials, federal-aid municipal roads the collectors).
- Water, parks, rail: data/basemap/*.geojson (the downtown box only: the shipped files go no further).
- Park trails of the whole city (City PPR); their names (not the "Minor Trail"s) as points along them.
- Labels: neighbourhood names (Abaca Labs, CC BY 4.0) at each polygon's pole of inaccessibility, park names at
  a point inside each park (shapely's polylabel / point_on_surface), so a name is drawn once, not per tile;
  outside the downtown box the park names are points (data/basemap/park_names.geojson, from the City's trails
  and landmarks: ``park_names``), and the rivers' names sit where the water file has water."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import osmium
import shapely
from pyproj import Geod, Transformer
from shapely.geometry import LineString, Point, Polygon, shape
from shapely.ops import polylabel

from app.city.streets import Segment, read_segments
from app.core.config import Settings
from app.maps.basemap.spec import (
    LABEL_ZOOM,
    LAYER_FILES,
    LAYERS,
    MAX_ZOOM,
    MIN_ZOOM,
    NEIGHBOURHOOD_Z12_KM2,
    NEIGHBOURHOOD_ZOOMS,
    TRAIL_LABEL_MIN_M,
    TRAIL_LABEL_SPACING_M,
    TRAIL_LABEL_ZOOM,
    BasemapBuildError,
    input_paths,
    places,
)

ROAD_CLASS = {
    **dict.fromkeys(("motorway", "trunk", "primary", "secondary", "motorway_link", "trunk_link"), "major"),
    **dict.fromkeys(("primary_link", "secondary_link", "tertiary", "tertiary_link"), "major"),
    **dict.fromkeys(("residential", "unclassified", "living_street", "road"), "street"),
    "service": "service",
    **dict.fromkeys(("footway", "path", "cycleway", "bridleway", "pedestrian", "track", "corridor"), "path"),
}
# The smallest zoom each road class appears at: a z11 tile is ~15 km wide here, where only the big streets help.
ROAD_MIN_ZOOM = {"major": 11, "street": 13, "service": 14, "path": 14}
EXPRESSWAY_MIN_ZOOM = 10
COLLECTOR_MIN_ZOOM = 12  # the City's federal-aid municipal streets: the grid's through streets
MINOR_TRAIL = "Minor Trail"


class Feature(NamedTuple):
    geom: Any  # shapely geometry, web-mercator metres
    min_zoom: int
    max_zoom: int
    props: dict[str, Any]


_GEOD = Geod(ellps="WGS84")
_MERCATOR = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)


def _to_mercator(coords: np.ndarray) -> np.ndarray:
    return np.column_stack(_MERCATOR.transform(coords[:, 0], coords[:, 1]))


@dataclass
class Layers:
    """Features by layer: lon/lat while they are read, web-mercator metres after ``to_mercator``."""

    features: dict[str, list[Feature]] = field(default_factory=lambda: {name: [] for name in LAYERS})

    def add(
        self, layer: str, geom_lonlat: Any, min_zoom: int, props: dict[str, Any], max_zoom: int = MAX_ZOOM
    ) -> None:
        if geom_lonlat is None or geom_lonlat.is_empty:
            return
        self.features[layer].append(Feature(geom_lonlat, min_zoom, max_zoom, props))

    def to_mercator(self) -> None:
        """Every layer projected at once (one pyproj call per layer, not one per feature)."""
        for name, feats in self.features.items():
            if feats:
                geoms = shapely.transform(np.array([f.geom for f in feats], dtype=object), _to_mercator)
                self.features[name] = [f._replace(geom=g) for f, g in zip(feats, geoms, strict=True)]


def read_osm(pbf: Path, layers: Layers) -> None:
    for way in osmium.FileProcessor(str(pbf), osmium.osm.NODE | osmium.osm.WAY).with_locations():
        if not isinstance(way, osmium.osm.Way):  # isinstance, not is_way(): it narrows the entity union
            continue
        tags = way.tags
        try:
            coords = [(n.lon, n.lat) for n in way.nodes]
        except osmium.InvalidLocationError:
            continue
        if len(coords) < 2:
            continue
        highway = tags.get("highway")
        name = tags.get("name")
        if highway == "steps":
            layers.add("steps", LineString(coords), 14, {})
        elif highway in ROAD_CLASS and tags.get("railway") != "abandoned":
            cls = ROAD_CLASS[highway]
            props = {"class": cls, **({"name": name} if name else {})}
            min_zoom = EXPRESSWAY_MIN_ZOOM if highway == "motorway" else ROAD_MIN_ZOOM[cls]
            layers.add("roads", LineString(coords), min_zoom, props)
        elif tags.get("railway") == "rail":
            layers.add("rail", LineString(coords), 11, {})
        elif len(coords) >= 4 and coords[0] == coords[-1]:
            # Closed ways from an Overpass fetch (the shipped extract has streets only).
            if tags.get("natural") == "water" or tags.get("waterway") == "riverbank":
                layers.add("water", Polygon(coords).buffer(0), MIN_ZOOM, {})
            elif tags.get("leisure") == "park":
                add_park(layers, Polygon(coords).buffer(0), name)


def _read_geojson(path: Path) -> list[dict[str, Any]]:
    try:
        return json.loads(path.read_text(encoding="utf-8")).get("features", [])
    except OSError:
        return []
    except ValueError as exc:
        raise BasemapBuildError(f"{path} is not GeoJSON: {exc}") from exc


def _valid(geom: Any) -> Any:
    return geom if geom.is_valid else geom.buffer(0)


def _area_km2(geom_lonlat: Any) -> float:
    """Rough ground area (degrees scaled at the feature's latitude): enough to rank parks for their zoom."""
    lat = geom_lonlat.centroid.y
    return geom_lonlat.area * 111.32**2 * math.cos(math.radians(lat))


def add_park(layers: Layers, geom: Any, name: str | None) -> None:
    """A park's area (big ones from z10, small ones when they are a few pixels wide) and its name as a point."""
    km2 = _area_km2(geom)
    layers.add("parks", geom, MIN_ZOOM if km2 >= 0.05 else 13, {})
    if name:
        min_zoom = 12 if km2 >= 1 else 14 if km2 >= 0.05 else 15 if km2 >= 0.01 else 16
        layers.add("labels", label_point(geom), min_zoom, {"kind": "park", "name": name})


def label_point(geom: Any) -> Point:
    """A point well inside a (multi)polygon: the pole of inaccessibility of its biggest part."""
    parts = list(getattr(geom, "geoms", [geom]))
    biggest = max(parts, key=lambda g: g.area)
    return polylabel(biggest, tolerance=1e-5) if biggest.area > 0 else biggest.point_on_surface()


def read_layer_files(directory: Path, layers: Layers) -> None:
    for name in LAYER_FILES:
        for f in _read_geojson(directory / f"{name}.geojson"):
            geom = _valid(shape(f["geometry"]))
            label = (f.get("properties") or {}).get("name")
            if name == "parks":
                add_park(layers, geom, label)
            else:
                layers.add(name, geom, MIN_ZOOM if name == "water" else 11, {})


def _named_points(path: Path) -> list[tuple[Point, str, int]]:
    out = []
    for f in _read_geojson(path):
        props = f.get("properties") or {}
        if props.get("name") and (f.get("geometry") or {}).get("type") == "Point":
            out.append((shape(f["geometry"]), str(props["name"]), int(props.get("min_zoom", MAX_ZOOM))))
    return out


def read_park_names(directory: Path, layers: Layers) -> None:
    """The park names outside the downtown polygons: points with the zoom they show from (``park_names``)."""
    for point, name, min_zoom in _named_points(directory / "park_names.geojson"):
        layers.add("labels", point, min_zoom, {"kind": "park", "name": name})


def read_water_names(directory: Path, layers: Layers) -> None:
    """River and reservoir names, each only where the water layer (read before) has water under it: a name is
    never drawn on land, nor where no water is drawn."""
    water = [f.geom for f in layers.features["water"]]
    if not water:
        return
    tree = shapely.STRtree(water)
    for point, name, min_zoom in _named_points(directory / "water_names.geojson"):
        if len(tree.query(point, predicate="within")):
            layers.add("labels", point, min_zoom, {"kind": "water", "name": name})


def read_neighbourhoods(directory: Path, layers: Layers) -> None:
    """Names at z12 for the bigger half of the neighbourhoods (159 names on a phone's z12 screen would crowd
    each other out at random), all of them at z13-14."""
    low, high = NEIGHBOURHOOD_ZOOMS
    for f in _read_geojson(directory / "neighbourhoods.geojson"):
        name = (f.get("properties") or {}).get("MAPNAME")
        if name:
            geom = _valid(shape(f["geometry"]))
            min_zoom = low if _area_km2(geom) >= NEIGHBOURHOOD_Z12_KM2 else low + 1
            layers.add(
                "labels", label_point(geom), min_zoom, {"kind": "neighbourhood", "name": name}, max_zoom=high
            )


def read_trails(directory: Path, layers: Layers) -> None:
    """The trails as lines (named ones from z12, the minor ones from z14) and their names as points along them:
    a name set along a winding woodland path rarely finds a straight stretch long enough to be drawn."""
    named: dict[str, list[Any]] = {}
    for f in _read_geojson(directory / "trails.geojson"):
        name: str = (f.get("properties") or {}).get("NAME") or ""
        minor = not name or name == MINOR_TRAIL
        line = shape(f["geometry"])
        layers.add("trails", line, 14 if minor else 12, {})
        if not minor:
            named.setdefault(name, []).append(line)
    for name, lines in named.items():
        for part in shapely.get_parts(shapely.line_merge(shapely.union_all(lines))):
            metres = _GEOD.geometry_length(part)
            if metres < TRAIL_LABEL_MIN_M:
                continue
            count = max(1, round(metres / TRAIL_LABEL_SPACING_M))
            for i in range(count):
                # The middle one from z14, the others where there is room for them, from z15.
                point = part.interpolate((i + 0.5) / count, normalized=True)
                min_zoom = TRAIL_LABEL_ZOOM if i == count // 2 else LABEL_ZOOM
                layers.add("labels", point, min_zoom, {"kind": "trail", "name": name})


def _road_classes(path: Path) -> tuple[frozenset[int], frozenset[int]]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except OSError:
        return frozenset(), frozenset()
    except ValueError as exc:
        raise BasemapBuildError(f"{path} is not JSON: {exc}") from exc
    return frozenset(doc.get("major", [])), frozenset(doc.get("secondary", []))


def _segment_style(segment: Segment, major: frozenset[int], secondary: frozenset[int]) -> tuple[str, int]:
    if segment.kind == "expressway":
        return "major", EXPRESSWAY_MIN_ZOOM
    if segment.kind == "path":
        return "path", ROAD_MIN_ZOOM["path"]
    if segment.seg_id in major:
        return "major", ROAD_MIN_ZOOM["major"]
    return "street", COLLECTOR_MIN_ZOOM if segment.seg_id in secondary else ROAD_MIN_ZOOM["street"]


def read_city_streets(
    segments: Iterable[Segment], road_classes: Path, osm_box: Polygon | None, layers: Layers
) -> None:
    """The City's segments outside the OSM extract's box (inside, OSM's own streets are richer)."""
    major, secondary = _road_classes(road_classes)
    segments = [s for s in segments if len(s.coords) >= 2]
    lines = np.array([LineString(s.coords) for s in segments], dtype=object)
    if osm_box is not None and len(lines):
        lines = shapely.difference(lines, osm_box)
    for segment, line in zip(segments, lines, strict=True):
        cls, min_zoom = _segment_style(segment, major, secondary)
        layers.add(
            "roads", line, min_zoom, {"class": cls, **({"name": segment.name} if segment.name else {})}
        )


def read_places(path: Path, layers: Layers) -> None:
    for p in places(path):
        props = {k: p[k] for k in ("id", "name", "visitable") if p.get(k) is not None}
        layers.add("places", Point(p["coordinates"]), 12, props)


def read_all(settings: Settings, pbf: Path) -> tuple[Layers, tuple[float, float, float, float]]:
    """Every layer, and the bounds (lon/lat) the archive covers: the extract's box and the City's extent."""
    layers = Layers()
    read_osm(pbf, layers)
    roads = [f.geom for f in layers.features["roads"]]
    if not roads:
        raise BasemapBuildError(f"no streets in {pbf}: is it an OSM extract of a city?")
    osm_box = shapely.box(*shapely.total_bounds(roads))
    paths = input_paths(settings)
    directory = settings.basemap_layers_dir
    read_layer_files(directory, layers)
    read_water_names(directory, layers)
    read_park_names(directory, layers)
    read_neighbourhoods(directory, layers)
    read_trails(directory, layers)
    # Read, not cached: the serving process builds this once at start-up, and a cached copy would stay.
    segments = read_segments(paths["streets"]) if paths["streets"].is_file() else ()
    read_city_streets(segments, paths["road_classes"], osm_box, layers)
    read_places(settings.locations_file, layers)
    # Not the places: a few lie outside the city, where there is nothing else to draw.
    every = [f.geom for name, feats in layers.features.items() if name != "places" for f in feats]
    west, south, east, north = shapely.total_bounds(every)
    layers.to_mercator()
    return layers, (float(west), float(south), float(east), float(north))
