"""The City's named streets as shipped in data/city/streets.geojson.gz: names as people write them, address
ranges joined to the right segment, the direction of the addresses, and the whole city covered."""

from __future__ import annotations

import math

import pytest

from app.city.streets import STREETS_FILE, Segment, display_name, load_segments


@pytest.fixture(scope="module")
def segments() -> tuple[Segment, ...]:
    return load_segments()


def _length_km(seg: Segment) -> float:
    total = 0.0
    for (x1, y1), (x2, y2) in zip(seg.coords, seg.coords[1:], strict=False):
        dx = (x2 - x1) * 111.32 * math.cos(math.radians((y1 + y2) / 2))
        total += math.hypot(dx, (y2 - y1) * 110.57)
    return total


@pytest.mark.parametrize(
    ("fields", "name"),
    [
        (("S", "21ST", "ST", ""), "S 21st St"),
        (("N", "BROAD", "ST", ""), "N Broad St"),
        (("", "KELLY", "DR", ""), "Kelly Dr"),
        (("", "FORBIDDEN", "DR", ""), "Forbidden Dr"),
        (("", "MCKEAN", "ST", ""), "McKean St"),
        (("", "CECIL B MOORE", "AVE", ""), "Cecil B Moore Ave"),
        (("", "SCHUYLKILL RIVER", "TRL", ""), "Schuylkill River Trail"),
        (("", "INDEPENDENCE", "MALL", "E"), "Independence Mall E"),
        (("NB", "DELAWARE", "EXPY", ""), "Delaware Expy"),  # carriageway codes are no part of a name
        (("", "", "", ""), ""),
    ],
)
def test_display_name_writes_names_as_people_do(fields: tuple[str, str, str, str], name: str) -> None:
    assert display_name(*fields) == name


def test_a_known_segment_carries_its_name_code_and_address_ranges(segments: tuple[Segment, ...]) -> None:
    # The 2300 block of S Lambert St (the Rocky II house, 2313): odd numbers on the left, from the north end.
    (seg,) = [s for s in segments if s.seg_id == 322561]
    assert (seg.name, seg.pre_dir, seg.st_name, seg.st_type, seg.kind) == (
        "S Lambert St",
        "S",
        "LAMBERT",
        "ST",
        "street",
    )
    assert (seg.l_from, seg.l_to, seg.r_from, seg.r_to) == (2301, 2399, 2300, 2398)
    assert seg.st_code > 0
    north, south = seg.coords[0], seg.coords[-1]
    assert north[1] > south[1]  # S streets number southward from Market St: the line starts at the north end
    assert 39.92 < south[1] < north[1] < 39.925 and -75.182 < north[0] < -75.180


def test_lines_run_in_the_direction_of_rising_addresses(segments: tuple[Segment, ...]) -> None:
    south_streets = [s for s in segments if s.pre_dir == "S" and s.st_type == "ST" and s.has_addresses]
    north_streets = [s for s in segments if s.pre_dir == "N" and s.st_type == "ST" and s.has_addresses]
    southward = sum(s.coords[0][1] > s.coords[-1][1] for s in south_streets)
    northward = sum(s.coords[0][1] < s.coords[-1][1] for s in north_streets)
    assert southward / len(south_streets) > 0.99 and northward / len(north_streets) > 0.99
    walnut = [s for s in segments if s.name == "Walnut St" and s.has_addresses]
    assert walnut and all(s.coords[0][0] > s.coords[-1][0] for s in walnut)  # numbers rise westward


def test_the_file_covers_the_whole_city_with_names(segments: tuple[Segment, ...]) -> None:
    assert 40_500 < len(segments) <= 40_856  # one per shapefile record, split pieces of one SEG_ID merged
    assert len({s.seg_id for s in segments}) == len(segments)
    km = sum(_length_km(s) for s in segments)
    named_km = sum(_length_km(s) for s in segments if s.name)
    assert 4_400 < km < 4_700 and named_km / km > 0.97
    lons = [x for s in segments for x, _ in (s.coords[0], s.coords[-1])]
    lats = [y for s in segments for _, y in (s.coords[0], s.coords[-1])]
    assert min(lons) < -75.27 and max(lons) > -74.96 and min(lats) < 39.88 and max(lats) > 40.13
    kinds = {s.kind for s in segments}
    assert kinds == {"street", "path", "expressway"}
    assert all(s.kind == "expressway" for s in segments if s.st_type in {"EXPY", "RAMP"})
    assert all(len(s.coords) >= 2 for s in segments)
    assert all(round(x, 6) == x and round(y, 6) == y for s in segments[:2000] for x, y in s.coords)


def test_unjoined_records_keep_geometry_but_no_name(segments: tuple[Segment, ...]) -> None:
    unjoined = [s for s in segments if s.seg_id < 0]
    assert 0 < len(unjoined) < 600  # 485 of 40,822
    assert all(s.name == "" and s.st_code == 0 and not s.has_addresses for s in unjoined)


def test_load_segments_is_cached_and_reads_a_given_path(tmp_path) -> None:
    assert load_segments() is load_segments(STREETS_FILE)
    copy = tmp_path / "streets.geojson.gz"
    copy.write_bytes(STREETS_FILE.read_bytes())
    assert load_segments(copy) == load_segments()
