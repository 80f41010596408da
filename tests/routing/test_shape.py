"""Stored route lines are simplified (app.routing.shape): against Valhalla's own full shape for the same trip,
every turn is exactly where Valhalla put it, no point of the full line is further than the tolerance from the
kept line (measured in metres, UTM 18N), and the line is several times shorter."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from pypolyline.cutil import decode_polyline
from pyproj import Transformer
from shapely.geometry import LineString, MultiPoint

from app.routing.planner import DEFAULT_PROFILE, _location, _request, plan_route
from app.routing.shape import SHAPE_TOLERANCE_M, simplify
from tests.routing.conftest import MONTAGE

TO_UTM = Transformer.from_crs("EPSG:4326", "EPSG:32618", always_xy=True)


def utm(geom):
    return shapely.transform(geom, lambda xy: np.column_stack(TO_UTM.transform(xy[:, 0], xy[:, 1])))


def raw_shape(engine, stops) -> list[tuple[float, float]]:
    trip = engine.route(_request([_location(s) for s in stops], 8.0, DEFAULT_PROFILE))["trip"]
    shape: list[tuple[float, float]] = []
    for leg in trip["legs"]:
        pts = [(lon, lat) for lon, lat in decode_polyline(leg["shape"].encode(), 6)]
        shape.extend(pts if not shape else pts[1:])
    return shape


def test_montage_line_keeps_every_turn_and_stays_within_tolerance(engine):
    plan = plan_route(engine, MONTAGE, pace_min_per_km=8)
    full = raw_shape(engine, MONTAGE)
    assert len(plan.shape) * 3 < len(full)  # measured: 1,061 -> 265 points
    assert tuple(plan.shape[0]) == full[0] and tuple(plan.shape[-1]) == full[-1]
    kept = utm(LineString(plan.shape))
    worst = max(kept.distance(p) for p in utm(MultiPoint(full)).geoms)
    assert worst <= SHAPE_TOLERANCE_M + 0.01, worst
    full_set = set(full)
    for leg in plan.legs:
        for m in leg.maneuvers:
            assert (
                tuple(plan.shape[m["begin_shape_index"]]) in full_set
            )  # a turn is a point of Valhalla's line


def test_line_is_at_six_decimals_as_decoded(engine):
    """The route document uses the plan's line as it is (no rounding pass): every coordinate must already be
    the double nearest to a 6-decimal value (Valhalla's polyline6), so it prints with at most 6 decimals."""
    plan = plan_route(engine, MONTAGE, pace_min_per_km=8)
    assert plan.shape
    for lon, lat in plan.shape:
        assert round(lon, 6) == lon and round(lat, 6) == lat, (lon, lat)
        assert len(repr(lon).split(".")[1]) <= 6 and len(repr(lat).split(".")[1]) <= 6


def test_anchors_are_kept_and_reindexed():
    # a straight line with one kink: only the ends, the kink and the anchor survive
    line = [[0.0, i * 1e-5] for i in range(10)] + [[i * 1e-5, 9e-5] for i in range(1, 10)]
    out, moved = simplify(line, [4, 9])
    assert out == [line[0], line[4], line[9], line[-1]]
    assert moved == {0: 0, 4: 1, 9: 2, len(line) - 1: 3}
    assert simplify(line[:2], [0]) == (line[:2], {0: 0})


@pytest.mark.parametrize("tolerance", [0.0, -1.0])
def test_no_tolerance_keeps_the_line(tolerance):
    line = [[0.0, 0.0], [1e-6, 1e-6], [2e-6, 2e-6]]
    assert simplify(line, [1], tolerance)[0] == line
