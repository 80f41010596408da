"""Load the researched GeoJSON into the database: an idempotent upsert keyed by the feature id."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from geojson_pydantic import Feature, FeatureCollection, Point
from pydantic import ValidationError
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from app.db.models import Location, utcnow


class DatasetError(ValueError):
    """The dataset file is missing or malformed; raised before anything is written."""


@dataclass(frozen=True)
class LoadReport:
    inserted: int
    updated: int
    unchanged: int
    removed: int = 0

    @property
    def total(self) -> int:
        return self.inserted + self.updated + self.unchanged


# The dataset's features: Points with an object of properties (geojson-pydantic checks the GeoJSON itself).
LocationFeature = Feature[Point, dict[str, Any]]
REQUIRED_PROPERTIES = ("id", "name", "film", "visitable", "confidence")


def read_features(path: Path) -> list[dict[str, Any]]:
    """Parse and check the whole file before anything is written; raise DatasetError saying what is wrong."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise DatasetError(f"dataset not found: {path}") from exc
    except json.JSONDecodeError as exc:
        raise DatasetError(f"{path}: not valid JSON ({exc})") from exc
    try:
        collection = FeatureCollection[LocationFeature](**doc)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise DatasetError(f"{path}: not a FeatureCollection of Points ({where}: {first['msg']})") from exc
    for i, feat in enumerate(collection.features):
        missing = [k for k in REQUIRED_PROPERTIES if k not in (feat.properties or {})]
        if missing:
            raise DatasetError(f"feature {i}: property {missing[0]!r} is missing")
    ids = [f["properties"]["id"] for f in doc["features"]]
    if len(ids) != len(set(ids)):
        raise DatasetError(f"{path}: duplicate feature ids")
    return doc["features"]


def _row_values(feat: dict[str, Any]) -> dict[str, Any]:
    props = feat["properties"]
    lon, lat = feat["geometry"]["coordinates"][:2]
    return {
        "id": props["id"],
        "name": props["name"],
        "film_title": props["film"]["title"],
        "film_year": int(props["film"]["year"]),
        "scene_order": props.get("scene_order"),
        "visitable": props["visitable"],
        "confidence": props["confidence"],
        "lon": float(lon),
        "lat": float(lat),
        "properties": props,
    }


def upsert_locations(session: Session, features: list[dict[str, Any]]) -> LoadReport:
    """Insert new ids, update changed rows, leave identical rows alone (so ``updated_at`` means something),
    and drop rows whose id left the dataset. Saved routes keep their own copy of each stop, so none is lost."""
    existing = {loc.id: loc for loc in session.exec(select(Location)).all()}
    inserted = updated = unchanged = 0
    for feat in features:
        values = _row_values(feat)
        row = existing.get(values["id"])
        if row is None:
            session.add(Location(**values))
            inserted += 1
        elif any(getattr(row, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(row, k, v)
            row.updated_at = utcnow()
            session.add(row)
            updated += 1
        else:
            unchanged += 1
    wanted = {f["properties"]["id"] for f in features}
    stale = [row for key, row in existing.items() if key not in wanted]
    for row in stale:
        session.delete(row)
    session.commit()
    return LoadReport(inserted, updated, unchanged, len(stale))


def load_locations_file(engine: Engine, path: Path) -> LoadReport:
    features = read_features(path)  # validate everything before touching the database
    with Session(engine) as session:
        return upsert_locations(session, features)
