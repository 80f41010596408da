"""Load the researched dataset (places, films, tours; format 3, format 2 still read; docs/dataset-format.md) into
the database.

All three files are parsed and checked (GeoJSON by geojson-pydantic, the records by pydantic models that mirror
data/*.schema.json, then the ids across files) before anything is written; then one idempotent upsert keyed by
id. Places, films and tours gone from the files are removed; saved routes keep their own copy of every stop, so
none is ever touched."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from geojson_pydantic import Feature, FeatureCollection, Point
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)
from sqlalchemy import delete, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from app.core.paces import Activity, Pace
from app.db import search
from app.db.models import Appearance, Film, Location, Tour, utcnow


class DatasetError(ValueError):
    """A dataset file is missing or malformed; raised before anything is written."""


@dataclass(frozen=True)
class LoadReport:
    inserted: int
    updated: int
    unchanged: int
    removed: int = 0
    films: int = 0
    tours: int = 0

    @property
    def total(self) -> int:
        return self.inserted + self.updated + self.unchanged


# --- the records (mirror data/*.schema.json; extra keys are refused, as the schemas do) --------------------

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=120)]
Text = Annotated[str, StringConstraints(min_length=1, max_length=2000)]
Url = Annotated[str, StringConstraints(pattern=r"^https?://\S+$")]
Visitable = Literal["public", "view_from_street", "gone", "not_in_philadelphia"]
Confidence = Literal["high", "medium", "low"]
# As precise as the source says: a year, a month or a day.
PartialDate = Annotated[
    str, StringConstraints(pattern=r"^[0-9]{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?$")
]


def _a_real_day(value: str) -> str:
    date.fromisoformat(value)  # the pattern lets 2026-02-30 through; the calendar does not
    return value


IsoDate = Annotated[
    str,
    StringConstraints(pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"),
    AfterValidator(_a_real_day),
]
Lon = Annotated[float, Field(ge=-180, le=180)]
Lat = Annotated[float, Field(ge=-90, le=90)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ViewpointIn(_Strict):
    """Where the camera stood and which way it looked (format 3)."""

    coordinates: tuple[Lon, Lat]
    bearing_deg: Annotated[float, Field(ge=0, lt=360)]
    note: Annotated[str, StringConstraints(min_length=1, max_length=300)]
    basis: Text
    confidence: Confidence


class HistoryEventIn(_Strict):
    """A dated event at a place, e.g. a move of a statue cast (format 3)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    date: PartialDate
    event: Text
    from_: Annotated[Text | None, Field(alias="from")] = None
    to: Text | None = None
    cast: Text | None = None
    source: Url


class AppearanceIn(_Strict):
    film: Slug
    scene: Text
    scene_order: Annotated[int, Field(ge=1)] | None
    sequence: Slug | None
    exercise: Text | None
    filmed: Literal["shot_here", "exterior_only", "set_here_shot_elsewhere", "disputed"]
    sources: Annotated[list[Url], Field(min_length=1)]
    note: Text | None = None
    viewpoint: ViewpointIn | None = None
    translations: dict[str, dict[str, Text]] | None = None


class PlaceIn(_Strict):
    id: Slug
    name: Text
    address: Text | None
    locality: Text
    in_philadelphia: bool
    visitable: Visitable
    status_note: Text
    gone_since: Text | None
    confidence: Confidence
    precision_m: Annotated[int, Field(ge=5, le=50_000)]
    coordinate_note: Text
    sources: Annotated[list[Url], Field(min_length=1)]
    accessibility: Text | None
    tips: Text | None
    disagreements: Text | None
    appearances: Annotated[list[AppearanceIn], Field(min_length=1)]
    as_of: IsoDate | None = None  # when status_note & co. were checked; required from format 3 (PlacesFile)
    history: Annotated[list[HistoryEventIn], Field(min_length=1)] | None = None
    translations: dict[str, dict[str, Text]] | None = None


class SequenceIn(_Strict):
    id: Slug
    name: Text


class FilmIn(_Strict):
    id: Slug
    title: Text
    year: Annotated[int, Field(ge=1888, le=2100)]
    director: Text
    wikidata: Annotated[str, StringConstraints(pattern=r"^Q[0-9]+$")] | None
    imdb: Annotated[str, StringConstraints(pattern=r"^tt[0-9]{7,8}$")] | None
    summary: Text
    philadelphia_share: Literal["most", "much", "some", "little"]
    philadelphia_note: Text
    sequences: list[SequenceIn]
    sources: Annotated[list[Url], Field(min_length=1)]


class FilmsFile(_Strict):
    format_version: Literal[1]
    license: str | None = None
    films: Annotated[list[FilmIn], Field(min_length=1)]


class TourIn(_Strict):
    id: Slug
    name: Text
    description: Text
    activity: Activity
    pace: Pace
    films: Annotated[list[Slug], Field(min_length=1)]
    stops: Annotated[list[Slug], Field(min_length=2)]
    note: Text | None = None


class ToursFile(_Strict):
    format_version: Literal[1]
    tours: Annotated[list[TourIn], Field(min_length=1)]


class PlaceFeature(Feature[Point, PlaceIn]):
    properties: PlaceIn  # every place has its properties (GeoJSON itself allows null)


class PlacesFile(FeatureCollection[PlaceFeature]):
    format_version: Literal[2, 3]

    @model_validator(mode="after")
    def _format3_dates_every_place(self) -> PlacesFile:
        if self.format_version >= 3:
            for i, feat in enumerate(self.features):
                if feat.properties.as_of is None:
                    raise ValueError(f"features.{i} ({feat.properties.id}): as_of is required from format 3")
        return self


@dataclass(frozen=True)
class Dataset:
    features: list[dict[str, Any]]  # the GeoJSON features as written (properties kept verbatim)
    films: list[FilmIn]
    tours: list[TourIn]


# --- reading and checking ---------------------------------------------------------------------------------


def sibling_files(locations_file: Path) -> tuple[Path, Path]:
    """films.json and tours.json sit next to the places file (data/ in the repository and the wheel)."""
    return locations_file.parent / "films.json", locations_file.parent / "tours.json"


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise DatasetError(f"dataset not found: {path}") from exc
    except json.JSONDecodeError as exc:
        raise DatasetError(f"{path}: not valid JSON ({exc})") from exc


def _parse(model: type[BaseModel], doc: Any, path: Path) -> Any:
    try:
        return model.model_validate(doc)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise DatasetError(f"{path}: {where}: {first['msg']}") from exc


def _unique(ids: list[str], what: str, path: Path) -> None:
    seen: set[str] = set()
    for i in ids:
        if i in seen:
            raise DatasetError(f"{path}: duplicate {what} id {i!r}")
        seen.add(i)


def read_dataset(
    locations_file: Path, films_file: Path | None = None, tours_file: Path | None = None
) -> Dataset:
    """Parse and cross-check the three files; raise DatasetError saying what is wrong and where."""
    default_films, default_tours = sibling_files(locations_file)
    films_file, tours_file = films_file or default_films, tours_file or default_tours
    doc = _read_json(locations_file)
    places: PlacesFile = _parse(PlacesFile, doc, locations_file)
    films: FilmsFile = _parse(FilmsFile, _read_json(films_file), films_file)
    tours: ToursFile = _parse(ToursFile, _read_json(tours_file), tours_file)

    _unique([f.properties.id for f in places.features], "place", locations_file)
    _unique([f.id for f in films.films], "film", films_file)
    _unique([t.id for t in tours.tours], "tour", tours_file)
    sequences = {f.id: {s.id for s in f.sequences} for f in films.films}
    for i, feat in enumerate(places.features):
        pid = feat.properties.id
        if feat.id != pid:
            raise DatasetError(
                f"{locations_file}: features.{i}: id {feat.id!r} differs from properties.id {pid!r}"
            )
        for j, app in enumerate(feat.properties.appearances):
            where = f"{locations_file}: {pid}: appearances.{j}"
            if app.film not in sequences:
                raise DatasetError(f"{where}: film {app.film!r} is not in {films_file.name}")
            if app.sequence is not None and app.sequence not in sequences[app.film]:
                raise DatasetError(f"{where}: sequence {app.sequence!r} is not a sequence of {app.film}")
    place_ids = {f.properties.id for f in places.features}
    for tour in tours.tours:
        for stop in tour.stops:
            if stop not in place_ids:
                raise DatasetError(f"{tours_file}: tour {tour.id}: stop {stop!r} is not a place")
        for film in tour.films:
            if film not in sequences:
                raise DatasetError(f"{tours_file}: tour {tour.id}: film {film!r} is not in {films_file.name}")
    return Dataset(features=doc["features"], films=films.films, tours=tours.tours)


# --- writing ----------------------------------------------------------------------------------------------


def _location_values(feat: dict[str, Any], film_titles: dict[str, str]) -> dict[str, Any]:
    props = feat["properties"]
    lon, lat = feat["geometry"]["coordinates"][:2]
    return {
        "id": props["id"],
        "name": props["name"],
        "visitable": props["visitable"],
        "confidence": props["confidence"],
        "locality": props["locality"],
        "in_philadelphia": bool(props["in_philadelphia"]),
        "precision_m": int(props["precision_m"]),
        "gone_since": props.get("gone_since"),
        "as_of": props.get("as_of"),
        "lon": float(lon),
        "lat": float(lat),
        "search_text": search.document_text(props, film_titles),
        "properties": props,
    }


def _upsert[Row: (Film, Location, Tour)](  # the tables keyed by the dataset's string ids
    session: Session, model: type[Row], rows: list[dict[str, Any]]
) -> tuple[int, int, int, int]:
    """Insert new ids, update changed rows (touching ``updated_at`` only then), delete ids no longer listed."""
    existing = {row.id: row for row in session.exec(select(model)).all()}
    inserted = updated = unchanged = 0
    for values in rows:
        row = existing.get(values["id"])
        if row is None:
            session.add(model(**values))
            inserted += 1
        elif any(getattr(row, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(row, k, v)
            if hasattr(row, "updated_at"):
                row.updated_at = utcnow()
            session.add(row)
            updated += 1
        else:
            unchanged += 1
    wanted = {values["id"] for values in rows}
    stale = [row for key, row in existing.items() if key not in wanted]
    for row in stale:
        session.delete(row)
    return inserted, updated, unchanged, len(stale)


def _appearance_rows(features: list[dict[str, Any]]) -> list[Appearance]:
    return [
        Appearance(
            location_id=f["properties"]["id"],
            position=j,
            film_id=a["film"],
            scene=a["scene"],
            scene_order=a.get("scene_order"),
            sequence=a.get("sequence"),
            exercise=a.get("exercise"),
            filmed=a["filmed"],
            viewpoint=a.get("viewpoint"),
        )
        for f in features
        for j, a in enumerate(f["properties"]["appearances"])
    ]


def upsert_dataset(session: Session, data: Dataset) -> LoadReport:
    film_rows = [
        {"id": f.id, "title": f.title, "year": f.year, "data": f.model_dump(mode="json")} for f in data.films
    ]
    titles = {f.id: f.title for f in data.films}
    tour_rows = [
        {"id": t.id, "position": i, "name": t.name, "data": t.model_dump(mode="json", exclude_none=True)}
        for i, t in enumerate(data.tours)
    ]
    # Appearances are rewritten whole (they have no identity of their own beyond place + position).
    session.exec(delete(Appearance))
    session.flush()
    _upsert(session, Film, film_rows)
    session.flush()
    ins, upd, same, gone = _upsert(session, Location, [_location_values(f, titles) for f in data.features])
    session.flush()
    session.add_all(_appearance_rows(data.features))
    _upsert(session, Tour, tour_rows)
    session.flush()
    search.rebuild_index(session)
    session.commit()
    return LoadReport(ins, upd, same, gone, films=len(film_rows), tours=len(tour_rows))


def load_dataset(
    engine: Engine, locations_file: Path, films_file: Path | None = None, tours_file: Path | None = None
) -> LoadReport:
    data = read_dataset(locations_file, films_file, tours_file)  # validate everything before writing
    with Session(engine) as session:
        if engine.dialect.name == "sqlite":
            session.exec(text("PRAGMA defer_foreign_keys=ON"))  # type: ignore[call-overload]
        return upsert_dataset(session, data)
