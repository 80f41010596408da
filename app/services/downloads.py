"""The atlas as files for GIS tools and spreadsheets: one GeoPackage with every table, a FlatGeobuf per point
table, a CSV per table. Written by GDAL through pyogrio (imported on first use: ~0.5 s, so start-up and the CLI do
not pay for it), to a temporary file renamed into place, once per dataset version: later requests read the file.
Each file carries the licence and credits in its own metadata where the format has any (GeoPackage: dataset and
layer metadata; FlatGeobuf: the layer's title, description and metadata); a CSV has none, so its answer links
the licence (``Link: rel="license"``) and the download index states it."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from sqlmodel import Session

from app.core.exceptions import NotFound
from app.db import repository as repo
from app.services import atlas

WGS84 = "EPSG:4326"


@dataclass(frozen=True)
class Format:
    suffix: str
    driver: str
    media_type: str
    title: str
    spatial_only: bool = False  # FlatGeobuf holds one layer of features with a geometry


FORMATS = {
    "gpkg": Format("gpkg", "GPKG", "application/geopackage+sqlite3", "GeoPackage (every table in one file)"),
    "fgb": Format(
        "fgb", "FlatGeobuf", "application/vnd.flatgeobuf", "FlatGeobuf (one file per point table)", True
    ),
    "csv": Format("csv", "CSV", "text/csv; charset=utf-8", "CSV (one file per table; points as X, Y)"),
}
ATLAS = "atlas"  # the GeoPackage's name: atlas.gpkg holds every table


def metadata() -> dict[str, str]:
    """What each file says about itself: its licence and credits."""
    return {
        "TITLE": "filmtour atlas: Philadelphia filming locations",
        "LICENSE": f"Text and research: {atlas.LICENSE} ({atlas.LICENSE_URL}), {atlas.CREDIT}",
        "CREDITS": atlas.CREDIT,
        "SOURCE": "the filmtour dataset (data/DATASET.md); every row's own sources are in its sources column",
    }


def file_names() -> list[str]:
    """Every download: atlas.gpkg, places.fgb, appearances.fgb, places.csv, … (what the index lists)."""
    names = [f"{ATLAS}.gpkg"]
    names += [f"{t.id}.fgb" for t in atlas.TABLES.values() if t.spatial]
    names += [f"{t.id}.csv" for t in atlas.TABLES.values()]
    return names


def parse_name(name: str) -> tuple[list[atlas.Table], Format]:
    """``places.csv`` → ([PLACES], CSV); ``atlas.gpkg`` → (every table, GPKG). NotFound for anything else."""
    if name not in file_names():
        raise NotFound(f"no download {name!r}; there are {', '.join(file_names())}", field="name")
    stem, suffix = name.rsplit(".", 1)
    tables = list(atlas.TABLES.values()) if stem == ATLAS else [atlas.TABLES[stem]]
    return tables, FORMATS[suffix]


def _columns(table: atlas.Table, rows: list[atlas.Row]) -> tuple[list[np.ndarray], list[np.ndarray | None]]:
    """One numpy array per column in its type, with a mask of the missing values (GDAL writes them as null)."""
    data, masks = [], []
    for name, kind in table.fields:
        values = [r.values[name] for r in rows]
        missing = np.array([v is None for v in values], dtype=bool)
        if kind == "integer":
            data.append(np.array([0 if v is None else v for v in values], dtype=np.int64))
        elif kind == "boolean":
            data.append(np.array([bool(v) for v in values], dtype=bool))
        else:
            data.append(np.array(["" if v is None else str(v) for v in values], dtype=object))
        masks.append(missing if missing.any() else None)
    return data, masks


def write(session: Session, name: str, path: Path) -> None:
    """Write the download ``name`` (file_names) to ``path``."""
    import pyogrio.raw  # ~0.5 s and GDAL's libraries: only when a file is first built

    tables, fmt = parse_name(name)
    meta = metadata()
    for i, table in enumerate(tables):
        rows = atlas.rows(session, table)
        data, masks = _columns(table, rows)
        geometry = shapely.to_wkb(shapely.points([r.point for r in rows])) if table.spatial else None
        options: dict[str, Any] = {}
        if fmt.driver == "CSV" and table.spatial:
            options["GEOMETRY"] = "AS_XY"
        if fmt.driver == "GPKG":
            options["IDENTIFIER"] = table.title
            options["DESCRIPTION"] = table.description
        if fmt.driver == "FlatGeobuf":
            options["TITLE"] = f"{meta['TITLE']}: {table.title}"
            options["DESCRIPTION"] = f"{table.description} {meta['LICENSE']}. Credits: {meta['CREDITS']}."
        pyogrio.raw.write(
            str(path),
            geometry,
            data,
            table.names,
            field_mask=masks,
            layer=table.id,
            driver=fmt.driver,
            geometry_type="Point" if table.spatial else None,
            crs=WGS84 if table.spatial else None,
            append=i > 0,
            dataset_metadata=meta if (i == 0 and fmt.driver == "GPKG") else None,
            layer_metadata={**meta, "TITLE": table.title, "DESCRIPTION": table.description},
            layer_options=options,
        )


class DownloadCache:
    """Built files on disk under ``directory/<dataset version>/``: each built once per dataset version (one
    builder at a time per file), older versions removed when a new one is built."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._lock = threading.Lock()

    def path(self, session: Session, name: str) -> tuple[Path, str]:
        """The built file for ``name`` and its version tag (for the ETag); built now if missing."""
        parse_name(name)  # NotFound before any work
        version = hashlib.sha256(repr(repo.dataset_fingerprint(session)).encode()).hexdigest()[:16]
        target = self.directory / version / name
        if target.exists():
            return target, version
        with self._lock:  # a second request for the same file waits for the first build, then reads it
            if not target.exists():
                self._build(session, name, target)
        return target, version

    def _build(self, session: Session, name: str, target: Path) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        for old in self.directory.iterdir():
            if old.is_dir() and old != target.parent:
                shutil.rmtree(old, ignore_errors=True)
        with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
            built = Path(tmp) / name
            write(session, name, built)
            os.replace(built, target)  # whole or absent: a reader never sees a half-written file
