"""The offline geocoder for Philadelphia: text → ranked candidate points, with no outside request.

Street addresses are parsed by the City's parser (passyunk) and placed along the named segment whose range
holds the number on the side of its parity; cross streets come from the City's intersection points, landmarks
from the City's landmark names (each names an address), and our own places from the dataset. Fast exact paths
(cross streets whose two names are known, landmark names, our places) come first; passyunk's slower fuzzy
matching only when they find nothing."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import shapely

from app.city import addresses
from app.city.crossings import Crossings
from app.city.geocoder_build import CROSSINGS_FILE, OUTLINE_FILE, SEGMENTS_FILE, TOWNS_FILE
from app.city.interpolate import AddressIndex
from app.city.places import Places, prefix_names, words
from app.core.geo import distance_m

CROSS_SPLIT = re.compile(r"\s+(?:&|AND|AT|\+)\s+|\s*[&/@+]\s*", re.IGNORECASE)
HOUSE_NUMBER = re.compile(r"^\d+[A-Z]?\s+\D", re.IGNORECASE)
ZIP_CODE = re.compile(r"^\d{5}(?:\d{4})?$")
CITY_NAMES = frozenset({"PHILADELPHIA", "PHILA", "PHILLY", "PHL"})
# fmt: off
US_STATES = frozenset({
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS",
    "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY", "NC",
    "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY",
})
# fmt: on
AMBIGUOUS_SCORE_GAP = 0.05
NEAR_MISS_M = 120.0  # two streets this close without a shared point "meet" (a square, a jog, a divided road)
AMBIGUOUS_DISTANCE_M = 150.0


@dataclass(frozen=True)
class Candidate:
    lon: float
    lat: float
    score: float  # 0..1, higher is better
    kind: str  # address | intersection | landmark | place | street
    label: str  # as shown to a person
    matched: str  # what the text was read as (passyunk's standard form, a landmark's or place's name)
    exact: bool = True  # False: the number lies outside the street's ranges, or only the street is known


@dataclass
class Lookup:
    query: str
    candidates: list[Candidate] = field(default_factory=list)
    outside: str | None = None  # why the text names a place outside Philadelphia


def outside_reason(text: str, towns: frozenset[str] = frozenset()) -> str | None:
    """Why an address's own words put it outside the city, or None: a ZIP code not 191xx, a state other than
    PA after a comma, or a town before ", PA" that is neither Philadelphia nor one of its neighbourhoods."""
    parts = [addresses.simplify(p) for p in text.split(",")]
    parts = [p for p in parts if p]
    if len(parts) < 2:
        return None
    tail = parts[-1].split()
    if tail and ZIP_CODE.match(tail[-1]):
        if not tail[-1].startswith("191"):
            return f"ZIP code {tail[-1][:5]} is not in Philadelphia (191xx)"
        tail = tail[:-1]
    if not tail or tail[-1] not in US_STATES:
        return None
    if tail[-1] != "PA":
        return f"{tail[-1]} is not Pennsylvania"
    town = " ".join(tail[:-1]) or (parts[-2] if len(parts) >= 3 else "")
    if town and town not in CITY_NAMES and town not in towns:
        return f"{town.title()} is not in Philadelphia"
    return None


class CityGeocoder:
    """Built once per process (``load``); ``search`` is thread-safe and takes about a millisecond."""

    def __init__(
        self,
        crossings: Crossings,
        places: Places,
        addresses_index: AddressIndex,
        towns: frozenset[str] = frozenset(),
        outline: shapely.Geometry | None = None,
    ) -> None:
        self.crossings = crossings
        self.outline = outline
        if outline is not None:
            shapely.prepare(outline)
        self.towns = towns
        self.places = places
        self.addresses = addresses_index
        self.names = addresses.street_names()
        self.landmarks = addresses.landmarks()
        addresses.parser()

    @classmethod
    def load(cls, data_dir: Path, places_path: Path) -> CityGeocoder:
        """From the committed files in ``data_dir`` (data/city/geocoder) and our places."""
        towns = frozenset((data_dir / TOWNS_FILE).read_text(encoding="utf-8").split("\n")) - {""}
        return cls(
            Crossings.read(data_dir / CROSSINGS_FILE),
            Places.read(places_path),
            AddressIndex.read(data_dir / SEGMENTS_FILE),
            towns,
            shapely.from_geojson((data_dir / OUTLINE_FILE).read_text(encoding="utf-8")),
        )

    def contains(self, lon: float, lat: float) -> bool:
        """Whether a point lies in the city (its neighbourhoods' outline; the cross streets' extent without it)."""
        if self.outline is not None:
            return bool(self.outline.contains(shapely.Point(lon, lat)))
        min_lon, min_lat, max_lon, max_lat = self.crossings.bounds
        return min_lon <= lon <= max_lon and min_lat <= lat <= max_lat

    # --- the one entry point --------------------------------------------------------------------------

    def search(self, text: str, limit: int = 5) -> Lookup:
        query = " ".join(text.split())
        lookup = Lookup(query)
        lookup.outside = outside_reason(query, self.towns)
        if lookup.outside or not query:
            return lookup
        found = self._cross_streets(query)
        crossing = bool(found)  # two street names read as such: no need for the parser's slower guesses
        if not found:
            found = self._landmark_exact(query)
        found += self._places(query)
        if not crossing and (not found or max(c.score for c in found) < 0.8):
            found += self._landmark_prefix(query)
        if not crossing and (not found or max(c.score for c in found) < 0.8):
            found += self._parsed(query)
        lookup.candidates = _rank(found, limit)
        return lookup

    # --- the paths ------------------------------------------------------------------------------------

    def _cross(self, codes_a: set[int], codes_b: set[int], matched: str, score: float) -> list[Candidate]:
        out = []
        pairs = [(a, b) for a in codes_a for b in codes_b if a != b]
        for a, b in pairs:
            for lon, lat in self.crossings.between(a, b):
                label = f"{self.names.label(a)} & {self.names.label(b)}"
                out.append(Candidate(lon, lat, score, "intersection", label, matched))
        if not out:  # no shared point: where the two streets come closest, if they nearly meet
            for a, b in pairs:
                point = self.addresses.meeting_point(a, b, NEAR_MISS_M)
                if point is not None:
                    label = f"{self.names.label(a)} & {self.names.label(b)}"
                    out.append(Candidate(*point, score - 0.1, "intersection", label, matched, exact=False))
        return out

    def _cross_streets(self, query: str) -> list[Candidate]:
        parts = CROSS_SPLIT.split(query.split(",")[0])
        if len(parts) != 2 or any(not p.strip() or HOUSE_NUMBER.match(p.strip()) for p in parts):
            return []
        a, b = (self.names.codes(p) for p in parts)
        matched = f"{addresses.simplify(parts[0])} & {addresses.simplify(parts[1])}"
        if a and b:
            return self._cross(a, b, matched, 0.95)
        if (
            a and not b
        ):  # the second name is still being typed: the streets it may become that cross the first
            return self._cross(a, self.names.prefixed(parts[1]), matched, 0.75)[:8]
        return []

    def _landmark_exact(self, query: str) -> list[Candidate]:
        name = addresses.simplify(query.split(",")[0])
        address = self.landmarks.address_of(name)
        return self._landmark(name, address, 0.95) if address else []

    def _landmark(self, name: str, address: str, score: float) -> list[Candidate]:
        parsed = addresses.parse(address)
        point = self._address_point(parsed) if parsed else None
        if point is None:
            return []
        lon, lat, exact, _ = point
        return [Candidate(lon, lat, score, "landmark", name.title(), f"{name}: {address}", exact)]

    def _landmark_prefix(self, query: str) -> list[Candidate]:
        if HOUSE_NUMBER.match(query):
            return []
        out: list[Candidate] = []
        qw = words(query)
        for name in prefix_names(self.landmarks.sorted_names, query, 8):
            address = self.landmarks.address_of(name)
            if address:
                # A longer name typed further is a surer match: 0.7 for a third of it, up to 0.85.
                share = len(" ".join(qw)) / max(len(name), 1)
                out += self._landmark(name, address, 0.7 + 0.15 * min(1.0, share))
        return out

    def _places(self, query: str) -> list[Candidate]:
        if HOUSE_NUMBER.match(query):
            return []
        return [
            Candidate(p.lon, p.lat, round(0.9 * s, 3), "place", p.name, p.key)
            for s, p in self.places.match(query.split(",")[0])
        ]

    def _address_point(self, parsed: dict) -> tuple[float, float, bool, str] | None:
        """(lon, lat, exact, the street's name) of a parsed address, or of its street when it has no number."""
        comp = parsed["components"]
        code = _int(comp["street"]["street_code"])
        number = _int(comp["address"]["low_num"])
        if code is None:
            return None
        if number is not None:
            point = self.addresses.locate(code, number, _int(comp.get("cl_seg_id")))
            if point is None:
                return None
            return point.lon, point.lat, point.exact, self.names.segment_label(point.seg_id, code)
        mid = self.addresses.street_point(code)
        return (mid[0], mid[1], False, self.names.label(code)) if mid else None

    def _parsed(self, query: str) -> list[Candidate]:
        parsed = addresses.parse(query)
        if parsed is None:
            return []
        kind, comp = parsed["type"], parsed["components"]
        text = comp["output_address"] or query.upper()
        if kind == "intersection_addr":
            s1, s2 = comp["street"], comp["street_2"]
            a = self.names.codes(" ".join(p for p in (s1["predir"], s1["name"], s1["suffix"]) if p))
            b = self.names.codes(" ".join(p for p in (s2["predir"], s2["name"], s2["suffix"]) if p))
            return self._cross(a, b, text, 0.9) if a and b else []
        point = self._address_point(parsed)
        if point is None:
            return []
        lon, lat, exact, street = point
        if kind == "landmark":
            return [Candidate(lon, lat, 0.75, "landmark", query, text, exact)]
        if kind == "address" or comp["address"]["low_num"] is not None:
            label = f"{comp['address']['full']} {street}"
            return [Candidate(lon, lat, 1.0 if exact else 0.5, "address", label, text, exact)]
        return [Candidate(lon, lat, 0.4, "street", street, text, exact=False)]


def _int(value) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _rank(found: list[Candidate], limit: int) -> list[Candidate]:
    """Best first; the same point or the same name reached twice (a landmark that is also our place) once."""
    out: list[Candidate] = []
    for cand in sorted(found, key=lambda c: -c.score):
        key = addresses.simplify(cand.label)
        if any(
            addresses.simplify(c.label) == key or distance_m((c.lat, c.lon), (cand.lat, cand.lon)) < 25
            for c in out
        ):
            continue
        out.append(cand)
        if len(out) == limit:
            break
    return out


def decide(lookup: Lookup) -> tuple[Candidate | None, bool]:
    """(the one candidate a route may start from, or None; whether it is None because the text is ambiguous).
    A street without a number is ambiguous; so are two near-equal candidates more than 150 m apart."""
    if not lookup.candidates:
        return None, False
    best = lookup.candidates[0]
    if best.kind == "street":
        return None, True
    for other in lookup.candidates[1:]:
        near_equal = other.score >= best.score - AMBIGUOUS_SCORE_GAP
        if near_equal and distance_m((best.lat, best.lon), (other.lat, other.lon)) > AMBIGUOUS_DISTANCE_M:
            return None, True
    return best, False
