"""One walking network for the whole city, written as an OSM PBF that Valhalla builds tiles from.

- Inside the OSM extract's box (data/osm/philly_rocky_tour.osm.pbf: sidewalks, steps, plazas) the extract wins.
  Its unnamed City-centerline pieces get the City's street name (same 2012 geometry, matched within 2 m).
- Outside it: the City's named street segments (app.city.streets), clipped at the box; expressways and ramps
  are left out (never walkable); paths (TRL/WALK/PATH/MALL) are footways.
- The City's park trails (app.city.trails) outside the box, and inside it where no extract way lies within
  TRAIL_COVERED_M (the extract has no trail along Kelly Drive north of Boathouse Row, nor in the Wissahickon).
- Seams: each City piece cut at the box edge is tied to the nearest extract way (and each extract way cut at the
  edge to the nearest City way), trail ends to the nearest way, within SEAM_M / TRAIL_END_M; ties under 4 m
  share a node, longer ones get a short connector footway carrying the street's or trail's name.
- Only the largest connected part is kept: a place snapped to an island could not be routed to.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import osmium
import shapely
from osmium.osm import mutable

from app.city.streets import Segment
from app.city.trails import Trail
from app.core.files import ProgressFn
from app.routing.seams import TO_METRES, Network, Snapper, Way, largest_component

CENTERLINE_SOURCE = "City of Philadelphia street centerline (2012)"
CITY_SOURCE = "City of Philadelphia street centerline (2012); names 2026-04-08"
TRAIL_SOURCE = "City of Philadelphia Parks & Recreation trails (2026-06-12)"
CENTERLINE_DATE = datetime(2012, 7, 16, tzinfo=UTC)
TRAILS_DATE = datetime(2026, 6, 12, tzinfo=UTC)
BUILD_DATE = datetime(
    2026, 12, 7, tzinfo=UTC
)  # connectors added by this build (fixed: same input, same bytes)
SEAM_M = 30.0
TRAIL_END_M = 30.0
TRAIL_COVERED_M = 12.0
NAME_MATCH_M = 2.0
SIDEWALK_M = 25.0
FOOTWAY_BESIDE_M = 15.0  # an untagged footway this close to a street and parallel is its sidewalk
SIDEWALK_COS = 0.94  # parallel within about 20 degrees
MIN_TRAIL_PIECE_M = 25.0
EDGE_EPS = 1e-6  # degrees: a node this close to the box edge lies on it (the extract was cut there)


@dataclass(frozen=True, slots=True)
class CityNetworkStats:
    nodes: int
    ways: int
    km: float
    named_km: float
    city_ways: int
    trail_ways: int
    named_in_box: int  # extract centerline pieces given the City's name
    sidewalks_named: int  # extract sidewalks given the name of the street beside them
    seam_ties: int
    trail_ties: int
    parts_dropped: int
    dropped_km: float
    bounds: tuple[float, float, float, float]  # west, south, east, north

    @property
    def named_share(self) -> float:
        return self.named_km / self.km if self.km else 0.0


def _read_extract(path: Path, net: Network) -> list[Way]:
    ways: list[Way] = []
    for obj in osmium.FileProcessor(str(path)):
        if isinstance(obj, osmium.osm.Node):  # isinstance, not is_node(): it narrows the entity union
            net.nodes[obj.id] = (obj.location.lon, obj.location.lat)
            net.node_time[obj.id] = obj.timestamp
            if len(obj.tags):
                net.node_tags[obj.id] = dict(obj.tags)
        elif isinstance(obj, osmium.osm.Way):
            ways.append(Way(obj.id, [n.ref for n in obj.nodes], dict(obj.tags), obj.timestamp))
    net.ways.extend(ways)
    return ways


def _bounds(net: Network) -> tuple[float, float, float, float]:
    xy = np.asarray(list(net.nodes.values()))
    return float(xy[:, 0].min()), float(xy[:, 1].min()), float(xy[:, 0].max()), float(xy[:, 1].max())


def _metric_line(coords: Sequence[tuple[float, float]]) -> shapely.LineString:
    x, y = TO_METRES.transform(*np.asarray(coords).T)
    return shapely.linestrings(np.column_stack([x, y]))


def _name_centerline_pieces(net: Network, extract_ways: list[Way], segments: Sequence[Segment]) -> int:
    """Give the extract's unnamed City-centerline pieces the City's street name (the same 2012 geometry)."""
    named = [s for s in segments if s.name and s.kind != "expressway"]
    tree = shapely.STRtree([_metric_line(s.coords) for s in named])
    count = 0
    for way in extract_ways:
        if way.tags.get("source") != CENTERLINE_SOURCE or "name" in way.tags:
            continue
        line = _metric_line([net.nodes[n] for n in way.refs])
        mid = shapely.line_interpolate_point(line, 0.5, normalized=True)
        hit = tree.query_nearest(mid, max_distance=NAME_MATCH_M)
        if len(hit):
            way.tags["name"] = named[int(hit[0])].name
            count += 1
    return count


def _name_sidewalks(net: Network, extract_ways: list[Way]) -> int:
    """Give the extract's unnamed sidewalks (and untagged footways within FOOTWAY_BESIDE_M) the name of the
    street they run beside, parallel within about 20 degrees, so that a step along one reads "Turn right onto Market Street", not "the walkway"."""
    streets = [
        w
        for w in extract_ways
        if "name" in w.tags and w.tags.get("highway") not in ("footway", "path", "steps")
    ]
    lines = [_metric_line([net.nodes[n] for n in w.refs]) for w in streets]
    tree = shapely.STRtree(lines)
    count = 0
    for way in extract_ways:
        if (
            "name" in way.tags
            or way.tags.get("highway") != "footway"
            or way.tags.get("footway") == "crossing"
        ):
            continue
        reach = SIDEWALK_M if way.tags.get("footway") == "sidewalk" else FOOTWAY_BESIDE_M
        line = _metric_line([net.nodes[n] for n in way.refs])
        a, b = np.asarray(line.coords[0]), np.asarray(line.coords[-1])
        if float(np.hypot(*(b - a))) < 5:
            continue
        mid = shapely.line_interpolate_point(line, 0.5, normalized=True)
        best = None
        for i in tree.query(mid, predicate="dwithin", distance=reach).tolist():
            at = float(shapely.line_locate_point(lines[i], mid))
            p0 = np.asarray(shapely.line_interpolate_point(lines[i], max(at - 5, 0)).coords[0])
            p1 = np.asarray(shapely.line_interpolate_point(lines[i], at + 5).coords[0])
            cos = abs(float(np.dot(b - a, p1 - p0))) / (
                float(np.hypot(*(b - a))) * float(np.hypot(*(p1 - p0))) or 1
            )
            dist = float(shapely.distance(mid, lines[i]))
            if cos >= SIDEWALK_COS and (best is None or dist < best[0]):
                best = (dist, streets[i].tags["name"])
        if best:
            way.tags["name"] = best[1]
            count += 1
    return count


def _outside(coords: Sequence[tuple[float, float]], box: shapely.Polygon) -> list[list[tuple[float, float]]]:
    line = shapely.LineString(coords)
    if not line.intersects(box):
        return [list(coords)]
    rest = line.difference(box)
    return [list(part.coords) for part in getattr(rest, "geoms", [rest]) if not part.is_empty]


def _on_edge(lon: float, lat: float, bounds: tuple[float, float, float, float]) -> bool:
    west, south, east, north = bounds
    return (
        min(abs(lon - west), abs(lon - east)) < EDGE_EPS and south - EDGE_EPS <= lat <= north + EDGE_EPS
    ) or (min(abs(lat - south), abs(lat - north)) < EDGE_EPS and west - EDGE_EPS <= lon <= east + EDGE_EPS)


def _street_tags(seg: Segment) -> dict[str, str]:
    tags = {"highway": "footway" if seg.kind == "path" else "residential", "source": CITY_SOURCE}
    if seg.name:
        tags["name"] = seg.name
    return tags


def _trail_tags(trail: Trail) -> dict[str, str]:
    tags = {"highway": "footway" if trail.paved else "path", "surface": "paved" if trail.paved else "unpaved"}
    tags["source"] = TRAIL_SOURCE
    if trail.name:
        tags["name"] = trail.name
    return tags


def _add_trails(
    net: Network, trails: Sequence[Trail], box: shapely.Polygon, extract_ways: list[Way]
) -> list[Way]:
    """Trails outside the box; inside it, only their runs with no extract way within TRAIL_COVERED_M."""
    covered = shapely.STRtree([_metric_line([net.nodes[n] for n in w.refs]) for w in extract_ways])
    added = []
    for trail in trails:
        pieces = _outside(trail.coords, box)
        inside = shapely.LineString(trail.coords).intersection(box)
        for part in getattr(inside, "geoms", [inside]):
            if part.is_empty or part.geom_type != "LineString":
                continue
            pts = np.asarray(part.coords)
            near = covered.query(
                shapely.points(np.column_stack(TO_METRES.transform(*pts.T))),
                predicate="dwithin",
                distance=TRAIL_COVERED_M,
            )
            is_covered = np.zeros(len(pts), bool)
            is_covered[near[0]] = True
            run: list[tuple[float, float]] = []
            for (x, y), cov in zip(pts.tolist(), is_covered.tolist(), strict=True):
                if not cov:
                    run.append((x, y))
                elif run:
                    pieces.append(run)
                    run = []
            if run:
                pieces.append(run)
        for piece in pieces:
            if len(piece) >= 2 and shapely.length(_metric_line(piece)) >= MIN_TRAIL_PIECE_M:
                added.append(net.add_way(piece, _trail_tags(trail), TRAILS_DATE))
    return [w for w in added if len(w.refs) >= 2]


def _connector(name: str | None) -> dict[str, str]:
    tags = {"highway": "footway", "note": "connector added when joining the City network to OSM"}
    if name:
        tags["name"] = name
    return tags


def build_city_network(
    extract: Path,
    segments: Sequence[Segment],
    trails: Sequence[Trail],
    out: Path,
    progress: ProgressFn | None = None,
) -> CityNetworkStats:
    report = progress or (lambda *_: None)
    steps = 6
    net = Network()
    report("reading the OSM extract", 0, steps)
    extract_ways = _read_extract(extract, net)
    box_bounds = _bounds(net)
    box = shapely.box(*box_bounds)
    named_in_box = _name_centerline_pieces(net, extract_ways, segments)
    sidewalks_named = _name_sidewalks(net, extract_ways)

    report("adding the City's streets", 1, steps)
    city_ways: list[Way] = []
    seam_ends: list[tuple[int, str | None]] = []
    for seg in segments:
        if seg.kind == "expressway":
            continue
        for piece in _outside(seg.coords, box):
            way = net.add_way(piece, _street_tags(seg), CENTERLINE_DATE)
            if len(way.refs) < 2:
                continue
            city_ways.append(way)
            for end, (lon, lat) in ((way.refs[0], piece[0]), (way.refs[-1], piece[-1])):
                if _on_edge(lon, lat, box_bounds):
                    seam_ends.append((end, seg.name or None))

    report("adding the park trails", 2, steps)
    trail_ways = _add_trails(net, trails, box, extract_ways)

    report("joining the seams", 3, steps)
    seam_ties = 0
    to_extract = Snapper(net, extract_ways)
    used = set()
    for node, name in seam_ends:
        target = to_extract.attach(node, SEAM_M, _connector(name), BUILD_DATE)
        if target is not None:
            used.add(target)
            seam_ties += 1
    to_extract.apply()
    degree = net.degree()
    extract_edge_ends = [
        w.refs[i]
        for w in extract_ways
        for i in (0, -1)
        if degree.get(w.refs[i]) == 1
        and w.refs[i] not in used
        and _on_edge(*net.nodes[w.refs[i]], box_bounds)
    ]
    to_city = Snapper(net, city_ways)
    for node in extract_edge_ends:
        seam_ties += to_city.attach(node, SEAM_M, _connector(None), BUILD_DATE) is not None
    to_city.apply()

    report("joining the trail ends", 4, steps)
    degree = net.degree()
    to_all = Snapper(net, [w for w in net.ways if w.tags.get("highway") not in ("motorway", "motorway_link")])
    trail_ties = 0
    for way in trail_ways:
        for end in {way.refs[0], way.refs[-1]}:
            if degree.get(end, 0) == 1:
                tied = to_all.attach(end, TRAIL_END_M, _connector(way.tags.get("name")), BUILD_DATE, {way.id})
                trail_ties += tied is not None
    to_all.apply()

    report("keeping the connected network and writing it", 5, steps)
    keep, parts = largest_component(net)
    kept_ways = [w for w in net.ways if w.refs[0] in keep]
    km = named_km = dropped_km = 0.0
    for way in net.ways:
        length = float(shapely.length(_metric_line([net.nodes[n] for n in way.refs]))) / 1000
        if way.refs[0] in keep:
            km += length
            named_km += length if "name" in way.tags else 0.0
        else:
            dropped_km += length
    _write(net, kept_ways, keep, out)
    report("done", steps, steps)
    return CityNetworkStats(
        nodes=len(keep),
        ways=len(kept_ways),
        km=round(km, 1),
        named_km=round(named_km, 1),
        city_ways=len(city_ways),
        trail_ways=len(trail_ways),
        named_in_box=named_in_box,
        sidewalks_named=sidewalks_named,
        seam_ties=seam_ties,
        trail_ties=trail_ties,
        parts_dropped=parts - 1,
        dropped_km=round(dropped_km, 1),
        bounds=_bounds_of(net, keep),
    )


def _bounds_of(net: Network, nodes: set[int]) -> tuple[float, float, float, float]:
    xy = np.asarray([net.nodes[n] for n in nodes])
    return float(xy[:, 0].min()), float(xy[:, 1].min()), float(xy[:, 0].max()), float(xy[:, 1].max())


def _write(net: Network, ways: list[Way], nodes: set[int], out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    part = out.with_name(".part-" + out.name)  # same extension: osmium picks the format from it
    part.unlink(missing_ok=True)
    writer = osmium.SimpleWriter(str(part))
    try:
        for node in sorted(nodes):
            writer.add_node(
                mutable.Node(
                    id=node,
                    location=net.nodes[node],
                    tags=net.node_tags.get(node, {}),
                    version=1,
                    timestamp=net.node_time[node],
                )
            )
        for way in sorted(ways, key=lambda w: w.id):
            writer.add_way(
                mutable.Way(id=way.id, nodes=way.refs, tags=way.tags, version=1, timestamp=way.timestamp)
            )
    finally:
        writer.close()
    os.replace(part, out)
