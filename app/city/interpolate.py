"""Street address → point: the named segment whose address range holds the number on the side of its parity,
and the point that far along the line (the City's ranges run from each line's "from" end to its "to" end)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from shapely import LineString, MultiLineString
from shapely.ops import nearest_points

# Houses stand back from the centreline: a few metres towards the side the number is on (a degree of latitude is
# ~111 km; at 40° N a degree of longitude is ~85 km, close enough for a 6 m nudge).
SIDE_OFFSET_M = 6.0
M_PER_DEG_LAT = 111_000.0
M_PER_DEG_LON = 85_000.0


class AddressedSegment(Protocol):
    seg_id: int
    name: str
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


def _side_range(seg: AddressedSegment, number: int) -> tuple[int, int, int] | None:
    """(from, to, side) of the side whose numbers have ``number``'s parity and hold it; side +1 left, -1 right."""
    for lo, hi, side in ((seg.l_from, seg.l_to, 1), (seg.r_from, seg.r_to, -1)):
        if lo == 0 and hi == 0:
            continue
        if lo % 2 != number % 2 and hi % 2 != number % 2:
            continue
        if min(lo, hi) <= number <= max(lo, hi):
            return lo, hi, side
    return None


def _point(seg: AddressedSegment, fraction: float, side: int) -> tuple[float, float]:
    line = LineString(seg.coords)
    fraction = min(1.0, max(0.0, fraction))
    at = line.interpolate(fraction, normalized=True)
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
    """The City's addressed segments by street code and by SEG_ID."""

    def __init__(self, segments: Iterable[AddressedSegment]) -> None:
        self.by_code: dict[int, list[AddressedSegment]] = defaultdict(list)
        self.by_id: dict[int, AddressedSegment] = {}
        self.all_by_code: dict[int, list[AddressedSegment]] = defaultdict(list)
        for seg in segments:
            if len(seg.coords) < 2:
                continue
            self.by_id[seg.seg_id] = seg
            self.all_by_code[seg.st_code].append(seg)
            if seg.l_from or seg.l_to or seg.r_from or seg.r_to:
                self.by_code[seg.st_code].append(seg)

    def locate(self, code: int, number: int, seg_id: int | None = None) -> AddressPoint | None:
        """The point of ``number`` on the street ``code`` (the parser's ``seg_id`` first, when it found one)."""
        tried = [self.by_id[seg_id]] if seg_id in self.by_id else []
        for seg in tried + self.by_code.get(code, []):
            found = _side_range(seg, number)
            if found is None:
                continue
            lo, hi, side = found
            fraction = 0.5 if hi == lo else (number - lo) / (hi - lo)
            lon, lat = _point(seg, fraction, side)
            return AddressPoint(lon, lat, seg.seg_id, exact=True)
        return self._nearest_end(code, number)

    def _nearest_end(self, code: int, number: int) -> AddressPoint | None:
        """A number past every range of the street: the end of the range closest to it, marked inexact."""
        best: tuple[int, AddressPoint] | None = None
        for seg in self.by_code.get(code, []):
            for lo, hi in ((seg.l_from, seg.l_to), (seg.r_from, seg.r_to)):
                for value, end in ((lo, 0.0), (hi, 1.0)):
                    if value == 0:
                        continue
                    gap = abs(value - number)
                    if best is None or gap < best[0]:
                        lon, lat = _point(seg, end, 0)
                        best = (gap, AddressPoint(lon, lat, seg.seg_id, exact=False))
        return best[1] if best else None

    def street_point(self, code: int) -> tuple[float, float] | None:
        """A point in the middle of a street's addressed segments (a street named without a number)."""
        segs = self.by_code.get(code)
        if not segs:
            return None
        mid = segs[len(segs) // 2]
        return _point(mid, 0.5, 0)

    def meeting_point(self, code_a: int, code_b: int, within_m: float) -> tuple[float, float] | None:
        """Where two streets come closest, if within ``within_m``: streets that meet at a square or a jog have no
        shared intersection point (Broad and Market meet around City Hall at Penn Square)."""
        segs_a, segs_b = self.all_by_code.get(code_a), self.all_by_code.get(code_b)
        if not segs_a or not segs_b:
            return None
        a = MultiLineString([s.coords for s in segs_a])
        b = MultiLineString([s.coords for s in segs_b])
        pa, pb = nearest_points(a, b)
        gap_m = (((pa.x - pb.x) * M_PER_DEG_LON) ** 2 + ((pa.y - pb.y) * M_PER_DEG_LAT) ** 2) ** 0.5
        if gap_m > within_m:
            return None
        return (pa.x + pb.x) / 2, (pa.y + pb.y) / 2
