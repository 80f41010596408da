"""The offline geocoder (app.city): the City's parser kept offline, interpolation by side and parity, cross
streets, landmarks, our places, text naming a place outside the city, ambiguity."""

from __future__ import annotations

import subprocess
import sys

import pytest
from geopy.distance import distance

from app.city.geocoder import decide, outside_reason
from app.city.interpolate import AddressIndex
from app.city.streets import Segment
from app.services.geocode import city_geocoder
from tests.conftest import REAL_LOCATIONS


@pytest.fixture(scope="module")
def geo():
    return city_geocoder(REAL_LOCATIONS)


def best(geo, text):
    lookup = geo.search(text)
    assert lookup.candidates, f"nothing for {text!r}"
    return lookup.candidates[0]


def metres(a, b) -> float:
    return distance((a.lat, a.lon), (b.lat, b.lon)).m


def segment() -> Segment:
    # Odd numbers on the left, even on the right, along a line running east.
    return Segment(
        seg_id=1,
        name="Test St",
        pre_dir="",
        st_name="TEST",
        st_type="ST",
        post_dir="",
        st_code=99,
        l_from=101,
        l_to=199,
        r_from=100,
        r_to=198,
        kind="street",
        coords=((0.0, 0.0), (0.01, 0.0)),
    )


def test_numbers_go_along_the_line_on_the_side_of_their_parity():
    index = AddressIndex.of([segment()])
    odd, even = index.locate(99, 151), index.locate(99, 150)
    assert odd.exact and even.exact
    assert odd.lat > 0 > even.lat  # travelling east, odd numbers on the left (north), even on the right
    assert 0.0049 < odd.lon < 0.0052 and 0.0049 < even.lon < 0.0052  # halfway along
    assert index.locate(99, 190).lon > index.locate(99, 110).lon  # numbers rise from the "from" end


def test_a_number_past_every_range_is_the_nearest_end_and_says_so():
    point = AddressIndex.of([segment()]).locate(99, 400)
    assert point is not None and not point.exact and point.lon == pytest.approx(0.01)


def test_issue_examples_resolve(geo):
    lambert = best(geo, "2313 S Lambert St")
    assert (lambert.kind, lambert.label, lambert.exact) == ("address", "2313 S Lambert St", True)
    broad = best(geo, "1 S. Broad Street")
    assert broad.kind == "address" and broad.label == "1 S Broad St"
    assert best(geo, "Broad & Tasker").label == "S Broad St & Tasker St"
    assert best(geo, "9th and Christian").label == "S 9th St & Christian St"
    inn = best(geo, "Valley Green Inn")
    assert inn.kind == "landmark" and "7 VALLEY GREEN RD" in inn.matched
    assert best(geo, "Eastern State Penitentiary").kind in {"place", "landmark"}


def test_even_and_odd_houses_face_each_other(geo):
    odd, even = best(geo, "2313 S Lambert St"), best(geo, "2312 S Lambert St")
    assert 5 < metres(odd, even) < 30  # across the street, not on top of each other
    south = best(geo, "2399 S Lambert St")
    assert south.lat < odd.lat  # South Philadelphia's numbers rise southward


def test_cross_streets_either_way_round_and_in_words(geo):
    a = best(geo, "Broad & Tasker")
    for text in ("Tasker St and Broad St", "broad street at tasker", "Broad/Tasker"):
        assert metres(best(geo, text), a) < 1, text


def test_streets_that_meet_at_a_square_still_meet(geo):
    # Broad and Market have no shared point: they meet around City Hall (Penn Square).
    corner = best(geo, "Broad & Market")
    assert corner.kind == "intersection" and not corner.exact
    assert distance((corner.lat, corner.lon), (39.9524, -75.1636)).m < 150


def test_names_are_found_as_they_are_typed(geo):
    labels = [c.label for c in geo.search("valley gr").candidates]
    assert "Valley Green Inn" in labels
    assert best(geo, "Rocky steps").kind == "place"


def test_text_naming_a_place_outside_the_city_says_so():
    assert "NJ" in outside_reason("123 Main St, Camden, NJ")
    assert "08102" in outside_reason("123 Main St, Camden, NJ 08102")
    assert "Upper Darby" in outside_reason("10 Main St, Upper Darby, PA", frozenset({"MANAYUNK"}))
    assert outside_reason("4300 Main St, Manayunk, PA", frozenset({"MANAYUNK"})) is None
    assert outside_reason("1 S Broad St, Philadelphia, PA 19107") is None


def test_a_whole_street_or_far_apart_matches_are_ambiguous(geo):
    street = geo.search("Main St")
    assert street.candidates and street.candidates[0].kind == "street"
    assert decide(street) == (None, True)
    assert decide(geo.search("2313 S Lambert St"))[0] is not None
    assert decide(geo.search("Zzyzx Road 17")) == (None, False)


def test_the_city_parser_never_goes_online():
    # passyunk asks GitHub for its version at import; ours refuses that before any socket opens.
    code = (
        "import socket\n"
        "calls = []\n"
        "real = socket.socket.connect\n"
        "socket.socket.connect = lambda self, addr: calls.append(addr) or real(self, addr)\n"
        "from app.city import addresses\n"
        "addresses.parser().parse('1 S Broad St')\n"
        "print(len(calls))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert out.stdout.strip() == "0", out.stdout + out.stderr


def test_text_the_city_parser_cannot_read_is_no_match(geo, client):
    odd = "r5½#Ji!_JN½,JbU'3 .vo#"  # passyunk raises ValueError on this
    assert geo.search(odd).candidates == [] or geo.search(odd).candidates[0].kind != "address"
    resp = client.get("/api/v1/geocode", params={"q": odd})
    assert resp.status_code == 200
