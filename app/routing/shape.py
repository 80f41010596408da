"""Route lines kept to what a map and a GPX need: Douglas-Peucker (shapely) within SHAPE_TOLERANCE_M, with every
turn kept exactly where Valhalla put it, so each maneuver's ``begin_shape_index`` still points at its turn.

Valhalla's shape carries every OSM node along the way (a 24-stop zig-zag: ~2,900 points); points within a metre
or two of the straight line between their neighbours add bytes to every stored route and GPX and nothing a
runner can see or follow."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence

import numpy as np
import shapely

SHAPE_TOLERANCE_M = 2.0
# Degrees per metre of latitude: the tolerance is applied in degrees, and a degree of longitude is shorter
# (cos 40° ≈ 0.77 at Philadelphia), so across the street the tolerance is a little tighter, never looser.
DEG_PER_M = 1 / 111_320


def simplify(
    shape: Sequence[Sequence[float]], anchors: Iterable[int], tolerance_m: float = SHAPE_TOLERANCE_M
) -> tuple[list[list[float]], dict[int, int]]:
    """``shape`` ([lon, lat] pairs) simplified between consecutive anchors (indices kept exactly, the ends
    always); returns the new shape as [lon, lat] lists and where each anchor index went."""
    n = len(shape)
    if n < 3 or tolerance_m <= 0:
        return [list(p) for p in shape], {i: i for i in anchors if 0 <= i < n}
    keep = sorted({0, n - 1, *(i for i in anchors if 0 <= i < n)})
    coords = np.asarray(shape, dtype=float)
    # One linestring per stretch between anchors (vectorised: one call to GEOS for all of them).
    pieces = [coords[a : b + 1] for a, b in itertools.pairwise(keep)]
    index = np.repeat(np.arange(len(pieces)), [len(p) for p in pieces])
    lines = shapely.linestrings(np.concatenate(pieces), indices=index)
    simple = shapely.simplify(lines, tolerance_m * DEG_PER_M, preserve_topology=False)
    points, which = shapely.get_coordinates(simple, return_index=True)
    # Each stretch's first point is the previous stretch's last: drop it (``which`` is sorted by stretch).
    firsts = np.searchsorted(which, np.arange(len(pieces)), "left")
    lasts = np.searchsorted(which, np.arange(len(pieces)), "right") - 1
    mask = np.ones(len(points), dtype=bool)
    mask[firsts[1:]] = False
    # Stretch k's last point moves back by the k first points dropped before it.
    moved = {0: 0, **{keep[k + 1]: int(lasts[k]) - k for k in range(len(pieces))}}
    return points[mask].tolist(), moved
