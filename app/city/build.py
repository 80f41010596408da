"""Build ``data/city/streets.geojson.gz`` from the City's open data (a developer tool: it reads the shared source
files, which the product never needs; ``filmtour network build-city`` runs it, or ``python -m app.city.build``).

The 2012 centerline shapefile has geometry but no attributes. The City's topology CSV lists, for each of its
62,900 nodes, the SEG_IDs meeting there: a record's SEG_ID is the one in the sets of both nodes within
``END_TOLERANCE_FT`` of its two ends. The SEG_ID then joins the names file (names, address ranges, street code).
"""

from __future__ import annotations

import csv
import gzip
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import orjson
import shapefile
import shapely
from pyproj import Transformer

from app.city.streets import STREETS_FILE, SegmentKind
from app.core.files import ProgressFn

CENTERLINE_SHP = Path("osm/fallback_city_centerline/street_centerline.shp")
TOPOLOGY_CSV = Path("osm/fallback_city_centerline/phl_roadnetwork_topology_epsg2272.csv")
NAMES_CSV = Path("city/centerline_names_2026-04-08.csv")
END_TOLERANCE_FT = 3.0  # a record's end and its topology node (the same survey, so they coincide)
PATH_TYPES = frozenset({"TRL", "WALK", "PATH", "MALL"})
EXPRESSWAY_TYPES = frozenset({"EXPY", "RAMP", "SPUR"})
# Bridges with no footway (the Betsy Ross Bridge carries NJ 90 only); the other bridges have sidewalks.
EXPRESSWAY_NAMES = frozenset({"BETSY ROSS", "BETSY ROSS BRIDGE"})
NAME_FIELDS = ("pre_dir", "st_name", "st_type", "post_dir")
RANGE_FIELDS = {"l_from": "L_F_ADD", "l_to": "L_T_ADD", "r_from": "R_F_ADD", "r_to": "R_T_ADD"}


@dataclass(frozen=True, slots=True)
class StreetsBuild:
    records: int
    joined: int  # records with exactly one SEG_ID
    segments: int  # lines written (split pieces of one SEG_ID merged)
    named: int  # ... with a name from the names file
    km: float
    named_km: float
    path: Path


def segment_kind(st_name: str, st_type: str) -> SegmentKind:
    if st_type in EXPRESSWAY_TYPES or st_name in EXPRESSWAY_NAMES:
        return "expressway"
    return "path" if st_type in PATH_TYPES else "street"


def _read_topology(path: Path) -> tuple[np.ndarray, list[frozenset[int]]]:
    xy: list[tuple[float, float]] = []
    segs: list[frozenset[int]] = []
    with path.open(newline="") as fh:
        for row in csv.DictReader(fh):  # columns "lon"/"lat" hold EPSG:2272 feet (see SOURCES.md)
            xy.append((float(row["lon"]), float(row["lat"])))
            segs.append(frozenset(int(s) for s in row["in_segs"].split()))
    return np.asarray(xy), segs


def _read_names(path: Path) -> dict[int, dict[str, str]]:
    with path.open(newline="") as fh:
        return {int(row["SEG_ID"]): row for row in csv.DictReader(fh)}


def _seg_ids_for_ends(
    starts: np.ndarray, ends: np.ndarray, node_xy: np.ndarray, node_segs: list[frozenset[int]]
) -> list[int | None]:
    """The one SEG_ID common to the nodes at a record's two ends, or None (no node, or no or several shared)."""
    tree = shapely.STRtree(shapely.points(node_xy))

    def near(points: np.ndarray) -> list[set[int]]:
        found: list[set[int]] = [set() for _ in range(len(points))]
        rec, node = tree.query(shapely.points(points), predicate="dwithin", distance=END_TOLERANCE_FT)
        for r, n in zip(rec.tolist(), node.tolist(), strict=True):
            found[r] |= node_segs[n]
        return found

    result: list[int | None] = []
    for a, b in zip(near(starts), near(ends), strict=True):
        common = a & b
        result.append(next(iter(common)) if len(common) == 1 else None)
    return result


def _chain(pieces: list[np.ndarray]) -> np.ndarray | None:
    """Pieces of one SEG_ID (the 2012 file splits a few segments where a later node sits) joined end to start in
    their own direction, or None when they do not chain."""
    starts = {tuple(p[0]): i for i, p in enumerate(pieces)}
    ends = {tuple(p[-1]) for p in pieces}
    first = [i for i, p in enumerate(pieces) if tuple(p[0]) not in ends]
    if len(first) != 1:
        return None
    order = [first[0]]
    while len(order) < len(pieces):
        nxt = starts.get(tuple(pieces[order[-1]][-1]))
        if nxt is None or nxt in order:
            return None
        order.append(nxt)
    return np.concatenate([pieces[order[0]]] + [pieces[i][1:] for i in order[1:]])


def _merge_split_segments(lines: list[np.ndarray], seg_ids: list[int | None]) -> None:
    """Make each SEG_ID one line: its chained pieces replace the first, the rest lose the SEG_ID (and are
    dropped, being part of it); pieces that do not chain stay apart, unjoined."""
    by_id: dict[int, list[int]] = {}
    for index, seg_id in enumerate(seg_ids):
        if seg_id is not None:
            by_id.setdefault(seg_id, []).append(index)
    for indexes in (ix for ix in by_id.values() if len(ix) > 1):
        merged = _chain([lines[i] for i in indexes])
        for i in indexes[1:]:
            seg_ids[i] = None
        if merged is None:
            seg_ids[indexes[0]] = None
            continue
        lines[indexes[0]] = merged
        for i in indexes[1:]:
            lines[i] = lines[i][:0]  # empty: dropped below


def _rounded_line(xs: Iterable[float], ys: Iterable[float]) -> list[list[float]]:
    line: list[list[float]] = []
    for x, y in zip(xs, ys, strict=True):
        point = [round(x, 6), round(y, 6)]
        if not line or point != line[-1]:
            line.append(point)
    return line


def build_streets(
    shared_data: Path, out: Path = STREETS_FILE, progress: ProgressFn | None = None
) -> StreetsBuild:
    """Join the centerline to SEG_IDs and names, reproject to WGS84 and write ``out`` (gzipped GeoJSON)."""
    report = progress or (lambda *_: None)
    report("reading the City's topology and names", 0, 4)
    node_xy, node_segs = _read_topology(shared_data / TOPOLOGY_CSV)
    names = _read_names(shared_data / NAMES_CSV)
    report("reading the centerline", 1, 4)
    shapes = shapefile.Reader(str(shared_data / CENTERLINE_SHP)).shapes()
    lines = [np.asarray(s.points) for s in shapes]
    starts = np.array([line[0] for line in lines])
    ends = np.array([line[-1] for line in lines])
    report("joining SEG_IDs", 2, 4)
    seg_ids = _seg_ids_for_ends(starts, ends, node_xy, node_segs)
    joined = sum(seg_id is not None for seg_id in seg_ids)
    _merge_split_segments(lines, seg_ids)

    report("reprojecting and writing", 3, 4)
    to_wgs84 = Transformer.from_crs("EPSG:2272", "EPSG:4326", always_xy=True)
    lengths_ft = [float(np.hypot(*np.diff(line, axis=0).T).sum()) for line in lines]
    features = []
    named = 0
    km = named_km = 0.0
    for index, (line, seg_id) in enumerate(zip(lines, seg_ids, strict=True)):
        if not len(line):
            continue  # a piece merged into its segment's line
        row = names.get(seg_id) if seg_id is not None else None
        length_km = float(lengths_ft[index]) * 0.3048006096 / 1000  # US survey feet
        km += length_km
        props: dict[str, object] = {"seg_id": seg_id if row else -(index + 1)}
        fields = (row["PRE_DIR"], row["ST_NAME"], row["ST_TYPE"], row["POST_DIR"]) if row else ("",) * 4
        props.update(zip(NAME_FIELDS, fields, strict=True))
        props["st_code"] = int(row["ST_CODE"]) if row else 0
        props.update({key: int(row[col]) if row else 0 for key, col in RANGE_FIELDS.items()})
        props["kind"] = segment_kind(fields[1], fields[2])
        if row and row["ST_NAME"]:
            named += 1
            named_km += length_km
        lon, lat = to_wgs84.transform(line[:, 0], line[:, 1])
        coords = _rounded_line(lon.tolist(), lat.tolist())
        if len(coords) < 2:
            continue
        features.append(
            {
                "type": "Feature",
                "properties": props,
                "geometry": {"type": "LineString", "coordinates": coords},
            }
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    # mtime=0: the same sources give the same bytes.
    with gzip.GzipFile(out, "wb", compresslevel=9, mtime=0) as fh:
        fh.write(orjson.dumps({"type": "FeatureCollection", "features": features}))
    report("done", 4, 4)
    return StreetsBuild(len(shapes), joined, len(features), named, round(km, 1), round(named_km, 1), out)


if __name__ == "__main__":  # python -m app.city.build DATA_DIR (the folder holding osm/ and city/)
    import sys

    print(build_streets(Path(sys.argv[1])))
