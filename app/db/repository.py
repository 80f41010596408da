"""Read helpers shared by the API, the maps and the CLI, so each speaks of locations the same way."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from app.db.models import Location

ROUTABLE = ("public", "view_from_street")


def location_feature(loc: Location) -> dict[str, Any]:
    return {
        "type": "Feature",
        "id": loc.id,
        "geometry": {"type": "Point", "coordinates": [loc.lon, loc.lat]},
        "properties": dict(loc.properties),
    }


def _montage_first(loc: Location) -> tuple[int, int, str]:
    return (0 if loc.scene_order is not None else 1, loc.scene_order or 0, loc.name)


def all_locations(session: Session) -> list[Location]:
    """Every location, montage places first in film order, then the others by name."""
    return sorted(session.exec(select(Location)).all(), key=_montage_first)


def get_location(session: Session, location_id: str) -> Location | None:
    return session.get(Location, location_id)


def film_slug(title: str, year: int) -> str:
    return "-".join(title.lower().split()) + f"-{year}"


def films(session: Session) -> list[dict[str, Any]]:
    counts: dict[tuple[str, int], int] = {}
    for loc in session.exec(select(Location)).all():
        key = (loc.film_title, loc.film_year)
        counts[key] = counts.get(key, 0) + 1
    return [
        {"id": film_slug(t, y), "title": t, "year": y, "location_count": n}
        for (t, y), n in sorted(counts.items(), key=lambda kv: (kv[0][1], kv[0][0]))
    ]


def feature_collection(features: list[dict[str, Any]], **members: Any) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": features, **members}
