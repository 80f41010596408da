"""Read helpers shared by the API, the maps and the CLI, so each speaks of places, films and tours the same way."""

from __future__ import annotations

import hashlib
from typing import Any

from sqlmodel import Session, col, func, select

from app.core import jsontext
from app.core.exceptions import NotFound
from app.core.viewpoints import with_view
from app.db.models import Appearance, Film, Location, Tour

ROUTABLE = ("public", "view_from_street")
V1_FILM = "rocky-1976"  # v1 clients read `film`, `scene_order`, ... as this film's, when the place is in it
V1_SEQUENCE = "training-montage"


def primary_appearance(props: dict[str, Any]) -> dict[str, Any]:
    """The appearance v1 properties are derived from: the first in Rocky (1976), else the first."""
    apps = props.get("appearances") or [{}]
    return next((a for a in apps if a.get("film") == V1_FILM), apps[0])


def montage_order(loc: Location) -> int | None:
    app = primary_appearance(loc.properties)
    if app.get("film") == V1_FILM and app.get("sequence") == V1_SEQUENCE:
        return app.get("scene_order")
    return None


def film_index(session: Session) -> dict[str, Film]:
    return {f.id: f for f in session.exec(select(Film)).all()}


def location_properties(loc: Location, films: dict[str, Film]) -> dict[str, Any]:
    """Format-3 properties plus the v1 ones (`film`, `scene_order`, `scene`, `exercise`) with their v1 meaning;
    each appearance also carries its film's title and year, and its viewpoint (if any) the compass word and
    view cone that maps draw."""
    props = dict(loc.properties)
    apps = []
    for a in props.get("appearances") or []:
        film = films.get(a["film"])
        app = {**a, "film_title": film.title if film else None, "film_year": film.year if film else None}
        if a.get("viewpoint"):
            app["viewpoint"] = with_view(a["viewpoint"])
        apps.append(app)
    primary = primary_appearance(props)
    film = films.get(primary.get("film", ""))
    viewed = next((a for a in [primary, *apps] if a.get("viewpoint")), None)
    props.update(
        film={"title": film.title, "year": film.year} if film else None,
        scene_order=montage_order(loc),
        scene=primary.get("scene"),
        exercise=primary.get("exercise"),
        appearances=apps,
        # Where to stand at this place: the primary appearance's viewpoint, else the first one's (routes' stops)
        viewpoint={"film": viewed["film"], **with_view(viewed["viewpoint"])} if viewed else None,
    )
    return props


def location_feature(loc: Location, films: dict[str, Film]) -> dict[str, Any]:
    return {
        "type": "Feature",
        "id": loc.id,
        "geometry": {"type": "Point", "coordinates": [loc.lon, loc.lat]},
        "properties": location_properties(loc, films),
        # the place's own page, root-relative like a film's links (repo.film_summary)
        "links": [{"rel": "page", "type": "text/html", "href": f"/places/{loc.id}"}],
    }


def film_ids(loc: Location) -> list[str]:
    return [a["film"] for a in loc.properties.get("appearances") or []]


def _montage_first(loc: Location) -> tuple[int, int, str]:
    order = montage_order(loc)
    return (0 if order is not None else 1, order or 0, loc.name)


def all_locations(session: Session) -> list[Location]:
    """Every place, Rocky (1976) montage places first in film order, then the others by name."""
    return sorted(session.exec(select(Location)).all(), key=_montage_first)


def locations_by_ids(session: Session, ids: list[str]) -> list[Location]:
    """The places with these ids, in the order given (e.g. search rank)."""
    rows = {loc.id: loc for loc in session.exec(select(Location).where(col(Location.id).in_(ids))).all()}
    return [rows[i] for i in ids if i in rows]


def get_location(session: Session, location_id: str) -> Location | None:
    return session.get(Location, location_id)


def require[Row: (Location, Film)](session: Session, model: type[Row], key: str, *, field: str) -> Row:
    """The row with this id, or NotFound naming the parameter (a location or a film asked for by id)."""
    row = session.get(model, key)
    if row is None:
        raise NotFound(f"no {model.__name__.lower()} with id {key!r}", field=field)
    return row


def film_slug(title: str, year: int) -> str:
    """The v1 way of naming a film (``title-year``), still accepted by ``?film=``."""
    return "-".join(title.lower().split()) + f"-{year}"


def resolve_film(session: Session, film: str) -> Film | None:
    """A film by its id, or (v1) by its title or ``title-year`` slug, case-insensitively."""
    wanted = film.strip().lower()
    found = session.get(Film, wanted)
    if found is not None:
        return found
    for f in session.exec(select(Film).order_by(col(Film.year))).all():
        if wanted in (f.title.lower(), film_slug(f.title, f.year)):
            return f
    return None


def place_counts(session: Session) -> dict[str, int]:
    rows = session.exec(
        select(Appearance.film_id, func.count(func.distinct(Appearance.location_id))).group_by(
            Appearance.film_id
        )
    ).all()
    return dict(rows)


def film_summary(film: Film, count: int) -> dict[str, Any]:
    return {
        "id": film.id,
        "title": film.title,
        "year": film.year,
        "director": film.data.get("director"),
        "philadelphia_share": film.data.get("philadelphia_share"),
        "location_count": count,
        "links": [
            {"rel": "self", "href": f"/api/v1/films/{film.id}"},
            {"rel": "locations", "type": "application/geo+json", "href": f"/api/v1/locations?film={film.id}"},
            {"rel": "page", "type": "text/html", "href": f"/films/{film.id}"},
        ],
    }


def films(session: Session) -> list[dict[str, Any]]:
    counts = place_counts(session)
    rows = session.exec(select(Film).order_by(col(Film.year), col(Film.title))).all()
    return [film_summary(f, counts.get(f.id, 0)) for f in rows]


def film_locations(session: Session, film_id: str) -> list[Location]:
    return [loc for loc in all_locations(session) if film_id in film_ids(loc)]


def all_tours(session: Session) -> list[Tour]:
    return list(session.exec(select(Tour).order_by(col(Tour.position))).all())


def get_tour(session: Session, tour_id: str) -> Tour | None:
    return session.get(Tour, tour_id)


def feature_collection(features: list[dict[str, Any]], **members: Any) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": features, **members}


def dataset_fingerprint(session: Session) -> tuple:
    """Changes whenever ``db load`` changes a place, a film or a tour (the loader touches ``updated_at`` of
    changed places and films; an added or removed row changes a count; tours, a few rows without a timestamp,
    are digested whole): what cached renderings and tour plans of the dataset are keyed by."""
    tours = session.exec(select(Tour.id, Tour.position, Tour.name, Tour.data).order_by(Tour.id)).all()
    tour_digest = hashlib.sha256(jsontext.dumps([list(t) for t in tours])).hexdigest()[:16]
    row = session.exec(
        select(
            select(func.count()).select_from(Location).scalar_subquery(),
            select(func.max(Location.updated_at)).scalar_subquery(),
            select(func.count()).select_from(Film).scalar_subquery(),
            select(func.max(Film.updated_at)).scalar_subquery(),
        )
    ).one()
    return (*(str(v) for v in row), tour_digest)
