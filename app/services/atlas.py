"""The atlas as flat tables: places, their appearances in films (one row each), films and tours, with one
scalar per column and a declared type, so GIS tools (the OGC API, GeoPackage, FlatGeobuf, CSV) read typed
fields instead of JSON blobs. Built from the same repository reads as the JSON API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from sqlmodel import Session

from app.db import repository as repo
from app.db.models import Film, Location
from app.services import tours as tours_service

FieldType = Literal["string", "integer", "boolean"]
LIST_SEPARATOR = " | "  # lists (sources, film ids) in one text column: URLs and ids never contain it
LICENSE = "CC BY 4.0"
LICENSE_URL = "https://creativecommons.org/licenses/by/4.0/"
CREDIT = "filmtour contributors; every fact's sources are listed in its row (sources)"


@dataclass(frozen=True)
class Table:
    """One flat table: its id, title, description, typed columns, and whether rows are points."""

    id: str
    title: str
    description: str
    fields: tuple[tuple[str, FieldType], ...]
    spatial: bool

    @property
    def names(self) -> list[str]:
        return [name for name, _ in self.fields]


PLACES = Table(
    "places",
    "Filming locations",
    "Every place in the dataset: where it is, whether you can visit it, what is there today, how sure we are.",
    (
        ("id", "string"),
        ("name", "string"),
        ("address", "string"),
        ("locality", "string"),
        ("in_philadelphia", "boolean"),
        ("visitable", "string"),
        ("status_note", "string"),
        ("gone_since", "string"),
        ("confidence", "string"),
        ("precision_m", "integer"),
        ("films", "string"),
        ("appearance_count", "integer"),
        ("montage_order", "integer"),
        ("accessibility", "string"),
        ("tips", "string"),
        ("disagreements", "string"),
        ("coordinate_note", "string"),
        ("sources", "string"),
    ),
    spatial=True,
)
APPEARANCES = Table(
    "appearances",
    "Film appearances",
    "One row per scene of a film at a place (a place in three films has three rows), at the place's point.",
    (
        ("id", "string"),
        ("place_id", "string"),
        ("place_name", "string"),
        ("film", "string"),
        ("film_title", "string"),
        ("film_year", "integer"),
        ("scene", "string"),
        ("scene_order", "integer"),
        ("sequence", "string"),
        ("exercise", "string"),
        ("filmed", "string"),
        ("visitable", "string"),
        ("note", "string"),
        ("sources", "string"),
    ),
    spatial=True,
)
FILMS = Table(
    "films",
    "Films",
    "The films in the dataset and how many of their places we list.",
    (
        ("id", "string"),
        ("title", "string"),
        ("year", "integer"),
        ("director", "string"),
        ("philadelphia_share", "string"),
        ("philadelphia_note", "string"),
        ("summary", "string"),
        ("location_count", "integer"),
        ("sources", "string"),
    ),
    spatial=False,
)
TOURS = Table(
    "tours",
    "Tours",
    "The ready-made tours: their places in order (ids), activity and pace; the routed line is at /api/v1/tours.",
    (
        ("id", "string"),
        ("name", "string"),
        ("description", "string"),
        ("activity", "string"),
        ("pace", "string"),
        ("films", "string"),
        ("stops", "string"),
        ("stop_count", "integer"),
        ("note", "string"),
    ),
    spatial=False,
)
TABLES = {t.id: t for t in (PLACES, APPEARANCES, FILMS, TOURS)}


def _joined(values: Any) -> str | None:
    return LIST_SEPARATOR.join(str(v) for v in values) if values else None


def place_row(loc: Location) -> dict[str, Any]:
    p = loc.properties
    apps = p.get("appearances") or []
    return {
        "id": loc.id,
        "name": loc.name,
        "address": p.get("address"),
        "locality": loc.locality,
        "in_philadelphia": loc.in_philadelphia,
        "visitable": loc.visitable,
        "status_note": p.get("status_note"),
        "gone_since": loc.gone_since,
        "confidence": loc.confidence,
        "precision_m": loc.precision_m,
        "films": _joined(dict.fromkeys(a["film"] for a in apps)),
        "appearance_count": len(apps),
        "montage_order": repo.montage_order(loc),
        "accessibility": p.get("accessibility"),
        "tips": p.get("tips"),
        "disagreements": p.get("disagreements"),
        "coordinate_note": p.get("coordinate_note"),
        "sources": _joined(p.get("sources")),
    }


def appearance_rows(loc: Location, films: dict[str, Film]) -> list[dict[str, Any]]:
    rows = []
    for i, a in enumerate(loc.properties.get("appearances") or [], start=1):
        film = films.get(a["film"])
        rows.append(
            {
                "id": f"{loc.id}.{i}",
                "place_id": loc.id,
                "place_name": loc.name,
                "film": a["film"],
                "film_title": film.title if film else None,
                "film_year": film.year if film else None,
                "scene": a.get("scene"),
                "scene_order": a.get("scene_order"),
                "sequence": a.get("sequence"),
                "exercise": a.get("exercise"),
                "filmed": a.get("filmed"),
                "visitable": loc.visitable,
                "note": a.get("note"),
                "sources": _joined(a.get("sources")),
            }
        )
    return rows


@dataclass(frozen=True)
class Row:
    """One row of a table: its id, its point (lon, lat) if the table is spatial, its typed values."""

    id: str
    point: tuple[float, float] | None
    values: dict[str, Any]


def rows(session: Session, table: Table) -> list[Row]:
    """Every row of ``table``, in the API's order (montage places first, then by name)."""
    if table is PLACES:
        return [Row(loc.id, (loc.lon, loc.lat), place_row(loc)) for loc in repo.all_locations(session)]
    if table is APPEARANCES:
        films = repo.film_index(session)
        return [
            Row(r["id"], (loc.lon, loc.lat), r)
            for loc in repo.all_locations(session)
            for r in appearance_rows(loc, films)
        ]
    if table is FILMS:
        counts = repo.place_counts(session)
        out = []
        for f in sorted(repo.film_index(session).values(), key=lambda f: (f.year, f.title)):
            d = f.data
            values = {
                "id": f.id,
                "title": f.title,
                "year": f.year,
                "director": d.get("director"),
                "philadelphia_share": d.get("philadelphia_share"),
                "philadelphia_note": d.get("philadelphia_note"),
                "summary": d.get("summary"),
                "location_count": counts.get(f.id, 0),
                "sources": _joined(d.get("sources")),
            }
            out.append(Row(f.id, None, values))
        return out
    return [
        Row(
            t.id,
            None,
            {
                "id": t.id,
                "name": t.name,
                "description": t.description,
                "activity": t.activity,
                "pace": t.pace,
                "films": _joined(t.films),
                "stops": _joined(t.stops),
                "stop_count": len(t.stops),
                "note": t.note,
            },
        )
        for t in tours_service.all_tours(session)
    ]
