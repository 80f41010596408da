"""Street address → point: the named segment whose address range holds the number on the side of its parity,
and the point that far along the line (the City's ranges run from each line's "from" end to its "to" end).

The segments are kept as a few numpy arrays (about 3 MB for the city's 40,000 segments, where the Segment
objects of app.city.streets take about 90 MB): every server worker holds them. ``build_address_arrays`` writes
them from the City's segments to data/city/geocoder/segments.npz; ``AddressIndex.read`` loads that file."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
from shapely import LineString, MultiLineString
from shapely.ops import nearest_points

# Houses stand back from the centreline: a few metres towards the side the number is on (a degree of latitude is
# ~111 km; at 40° N a degree of longitude is ~85 km, close enough for a 6 m nudge).
SIDE_OFFSET_M = 6.0
M_PER_DEG_LAT = 111_000.0
M_PER_DEG_LON = 85_000.0
MICRODEGREES = 1_000_000  # coordinates are stored as whole micro-degrees (0.1 m)


class AddressedSegment(Protocol):
    seg_id: int
    st_code: int
    l_from: int
    l_to: int
    r_from: int
    r_to: int
    coords: tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class AddressPoint:
    lon: float
    lat: float
    seg_id: int
    exact: bool  # the number lies in the segment's range; False: the nearest end of the street's ranges


def arrays_of(segments: Iterable[AddressedSegment]) -> dict[str, np.ndarray]:
    """The named segments (street code > 0, two points or more) as arrays: ``meta`` (seg_id, st_code, l_from,
    l_to, r_from, r_to), ``offsets`` into ``coords`` (micro-degrees, lon/lat)."""
    meta, offsets, coords = [], [0], []
    for seg in segments:
        if seg.st_code <= 0 or len(seg.coords) < 2:
            continue
        meta.append((seg.seg_id, seg.st_code, seg.l_from, seg.l_to, seg.r_from, seg.r_to))
        coords.extend(seg.coords)
        offsets.append(len(coords))
    return {
        "meta": np.asarray(meta, dtype=np.int64).reshape(-1, 6),
        "offsets": np.asarray(offsets, dtype=np.int64),
        "coords": np.round(np.asarray(coords, dtype=np.float64).reshape(-1, 2) * MICRODEGREES).astype(
            np.int32
        ),
    }


def build_address_arrays(segments: Iterable[AddressedSegment], target: Path) -> int:
    arrays = arrays_of(segments)
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("wb") as fh:
        np.savez_compressed(fh, **arrays)
    return len(arrays["meta"])


def _side_range(ranges: np.ndarray, number: int) -> tuple[int, int, int] | None:
    """(from, to, side) of the side whose numbers have ``number``'s parity and hold it; side +1 left, -1 right."""
    l_from, l_to, r_from, r_to = (int(v) for v in ranges)
    for lo, hi, side in ((l_from, l_to, 1), (r_from, r_to, -1)):
        if lo == 0 and hi == 0:
            continue
        if lo % 2 != number % 2 and hi % 2 != number % 2:
            continue
        if min(lo, hi) <= number <= max(lo, hi):
            return lo, hi, side
    return None


def _point(line: LineString, fraction: float, side: int) -> tuple[float, float]:
    fraction = min(1.0, max(0.0, fraction))
    at = line.interpolate(fraction, normalized=True)
    if side == 0:
        return at.x, at.y
    # The direction of travel near that point, to step to its left (+1) or right (-1).
    a = line.interpolate(max(0.0, fraction - 0.01), normalized=True)
    b = line.interpolate(min(1.0, fraction + 0.01), normalized=True)
    dx, dy = (b.x - a.x) * M_PER_DEG_LON, (b.y - a.y) * M_PER_DEG_LAT
    norm = (dx * dx + dy * dy) ** 0.5
    if norm == 0:
        return at.x, at.y
    nx, ny = -dy / norm * side, dx / norm * side
    return at.x + nx * SIDE_OFFSET_M / M_PER_DEG_LON, at.y + ny * SIDE_OFFSET_M / M_PER_DEG_LAT


class AddressIndex:
    """The City's named segments by street code and by SEG_ID."""

    def __init__(self, meta: np.ndarray, offsets: np.ndarray, coords: np.ndarray) -> None:
        self._meta = meta
        self._offsets = offsets
        self._coords = coords.astype(np.float64) / MICRODEGREES
        self.rows_by_code: dict[int, list[int]] = defaultdict(list)
        self.row_by_id: dict[int, int] = {}
        for row, (seg_id, code) in enumerate(meta[:, :2].tolist()):
            self.row_by_id[seg_id] = row
            self.rows_by_code[code].append(row)

    @classmethod
    def of(cls, segments: Iterable[AddressedSegment]) -> AddressIndex:
        arrays = arrays_of(segments)
        return cls(arrays["meta"], arrays["offsets"], arrays["coords"])

    @classmethod
    def read(cls, path: Path) -> AddressIndex:
        with np.load(path) as data:
            return cls(data["meta"], data["offsets"], data["coords"])

    def __len__(self) -> int:
        return len(self._meta)

    def _line(self, row: int) -> LineString:
        return LineString(self._coords[self._offsets[row] : self._offsets[row + 1]])

    def _addressed(self, row: int) -> bool:
        return bool(self._meta[row, 2:].any())

    def locate(self, code: int, number: int, seg_id: int | None = None) -> AddressPoint | None:
        """The point of ``number`` on the street ``code`` (the parser's ``seg_id`` first, when it found one)."""
        first = [self.row_by_id[seg_id]] if seg_id in self.row_by_id else []
        for row in first + self.rows_by_code.get(code, []):
            found = _side_range(self._meta[row, 2:], number)
            if found is None:
                continue
            lo, hi, side = found
            fraction = 0.5 if hi == lo else (number - lo) / (hi - lo)
            lon, lat = _point(self._line(row), fraction, side)
            return AddressPoint(lon, lat, int(self._meta[row, 0]), exact=True)
        return self._nearest_end(code, number)

    def _nearest_end(self, code: int, number: int) -> AddressPoint | None:
        """A number past every range of the street: the end of the range closest to it, marked inexact."""
        best: tuple[int, int, float] | None = None
        for row in self.rows_by_code.get(code, []):
            l_from, l_to, r_from, r_to = (int(v) for v in self._meta[row, 2:])
            for value, end in ((l_from, 0.0), (l_to, 1.0), (r_from, 0.0), (r_to, 1.0)):
                if value and (best is None or abs(value - number) < best[0]):
                    best = (abs(value - number), row, end)
        if best is None:
            return None
        _, row, end = best
        lon, lat = _point(self._line(row), end, 0)
        return AddressPoint(lon, lat, int(self._meta[row, 0]), exact=False)

    def street_point(self, code: int) -> tuple[float, float] | None:
        """A point in the middle of a street's addressed segments (a street named without a number)."""
        rows = [row for row in self.rows_by_code.get(code, []) if self._addressed(row)]
        if not rows:
            return None
        return _point(self._line(rows[len(rows) // 2]), 0.5, 0)

    def meeting_point(self, code_a: int, code_b: int, within_m: float) -> tuple[float, float] | None:
        """Where two streets come closest, if within ``within_m``: streets that meet at a square or a jog have no
        shared intersection point (Broad and Market meet around City Hall at Penn Square)."""
        rows_a, rows_b = self.rows_by_code.get(code_a), self.rows_by_code.get(code_b)
        if not rows_a or not rows_b:
            return None
        pa, pb = nearest_points(
            MultiLineString([self._line(r) for r in rows_a]), MultiLineString([self._line(r) for r in rows_b])
        )
        gap_m = (((pa.x - pb.x) * M_PER_DEG_LON) ** 2 + ((pa.y - pb.y) * M_PER_DEG_LAT) ** 2) ** 0.5
        if gap_m > within_m:
            return None
        return (pa.x + pb.x) / 2, (pa.y + pb.y) / 2
