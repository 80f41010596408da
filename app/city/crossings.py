"""Cross streets: the City's intersection points keyed by the two street codes that meet there.

``build_crossings`` turns the City's ``intersections.csv`` (EPSG:2272 points, US feet) into the compact committed
``data/city/geocoder/intersections.csv.gz`` (WGS84, 6 decimals: ~0.1 m); ``Crossings`` reads that file back."""

from __future__ import annotations

import csv
import gzip
import io
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

from shapely import wkt

HEADER = ["code_a", "code_b", "lon", "lat"]


def build_crossings(source: Path, target: Path) -> int:
    """Reproject the City's intersections to WGS84 and write them sorted by code pair; returns the row count."""
    from pyproj import Transformer  # only the build needs it

    to_wgs84 = Transformer.from_crs("EPSG:2272", "EPSG:4326", always_xy=True)
    rows: set[tuple[int, int, float, float]] = set()
    with source.open(newline="", encoding="utf-8") as fh:
        for rec in csv.DictReader(fh):
            try:
                a, b = int(rec["street_1_code"]), int(rec["street_2_code"])
            except ValueError:
                continue  # a point without two street codes names no crossing
            if a == b:
                continue
            pt = wkt.loads(rec["shape"])
            lon, lat = to_wgs84.transform(pt.x, pt.y)
            rows.add((min(a, b), max(a, b), round(lon, 6), round(lat, 6)))
    target.parent.mkdir(parents=True, exist_ok=True)
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\n")
    out.writerow(HEADER)
    out.writerows(sorted(rows))
    # mtime=0: the same input gives the same bytes, so a rebuild shows no spurious diff
    target.write_bytes(gzip.compress(buf.getvalue().encode(), compresslevel=9, mtime=0))
    return len(rows)


class Crossings:
    """Where two streets (by City street code) cross: a long street may cross another more than once."""

    def __init__(self, rows: Iterable[tuple[int, int, float, float]]) -> None:
        self._points: dict[tuple[int, int], list[tuple[float, float]]] = defaultdict(list)
        lons, lats = [], []
        for a, b, lon, lat in rows:
            self._points[(a, b)].append((lon, lat))
            lons.append(lon)
            lats.append(lat)
        # The city's extent as its cross streets draw it (min_lon, min_lat, max_lon, max_lat).
        self.bounds = (min(lons), min(lats), max(lons), max(lats)) if lons else (0.0, 0.0, 0.0, 0.0)

    @classmethod
    def read(cls, path: Path) -> Crossings:
        with gzip.open(path, "rt", encoding="utf-8", newline="") as fh:
            reader = csv.reader(fh)
            next(reader)
            return cls((int(a), int(b), float(lon), float(lat)) for a, b, lon, lat in reader)

    def __len__(self) -> int:
        return len(self._points)

    def between(self, code_a: int, code_b: int) -> list[tuple[float, float]]:
        """The (lon, lat) points where the two streets meet, none if they never do."""
        return list(self._points.get((min(code_a, code_b), max(code_a, code_b)), ()))
