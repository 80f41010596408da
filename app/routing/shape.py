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
    keep = np.array(sorted({0, n - 1, *(i for i in anchors if 0 <= i < n)}))
    # Flattened first: twice as fast as np.asarray on a list of [lon, lat] lists.
    coords = np.fromiter(itertools.chain.from_iterable(shape), dtype=float, count=2 * n).reshape(n, 2)
    # One linestring per stretch between anchors (vectorised: one call to GEOS for all of them). Stretch k runs
    # from keep[k] to keep[k + 1], both included: the anchor between two stretches is in each.
    sizes = np.diff(keep) + 1
    which = np.repeat(np.arange(len(sizes)), sizes)
    rows = np.arange(len(which)) - np.repeat(np.cumsum(sizes) - sizes, sizes) + np.repeat(keep[:-1], sizes)
    lines = shapely.linestrings(coords[rows], indices=which)
    simple = shapely.simplify(lines, tolerance_m * DEG_PER_M, preserve_topology=False)
    points, kept_in = shapely.get_coordinates(simple, return_index=True)
    # Each stretch's first point is the previous stretch's last: drop it (``kept_in`` is sorted by stretch).
    stretches = np.arange(len(sizes))
    firsts = np.searchsorted(kept_in, stretches, "left")
    lasts = np.searchsorted(kept_in, stretches, "right") - 1
    mask = np.ones(len(points), dtype=bool)
    mask[firsts[1:]] = False
    # Stretch k's last point moves back by the k first points dropped before it.
    moved = {0: 0, **dict(zip(keep[1:].tolist(), (lasts - stretches).tolist(), strict=True))}
    return points[mask].tolist(), moved
