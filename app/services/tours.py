"""Ready-made tours, read from data/tours.json (loaded into the ``tour`` table). A tour lists place ids in its
order; places that cannot be routed to are listed as skipped with the reason, never routed to."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from app.core.exceptions import NotFound
from app.db import repository as repo
from app.db.models import Location
from app.db.models import Tour as TourRow

SKIP_REASONS = {
    "gone": "nothing left to visit",
    "not_in_philadelphia": "this scene was not filmed in Philadelphia",
}
OUTSIDE_CITY = "outside the City of Philadelphia"


@dataclass(frozen=True)
class Tour:
    id: str
    name: str
    description: str
    stops: tuple[str, ...]
    films: tuple[str, ...]
    activity: str = "run"
    pace: str = "steady"
    note: str | None = None

    @classmethod
    def from_row(cls, row: TourRow) -> Tour:
        d = row.data
        return cls(
            id=row.id,
            name=row.name,
            description=d["description"],
            stops=tuple(d["stops"]),
            films=tuple(d["films"]),
            activity=d["activity"],
            pace=d["pace"],
            note=d.get("note"),
        )

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "activity": self.activity,
            "pace": self.pace,
            "films": list(self.films),
            "stops": list(self.stops),
            "links": [
                {"rel": "self", "href": f"/api/v1/tours/{self.id}"},
                {"rel": "map", "type": "text/html", "href": f"/tours/{self.id}/map"},
                {"rel": "embed", "type": "text/html", "href": f"/embed/tours/{self.id}"},
            ],
        }


def all_tours(session: Session) -> list[Tour]:
    return [Tour.from_row(row) for row in repo.all_tours(session)]


def get_tour(session: Session, tour_id: str, *, field: str = "tour_id") -> Tour:
    row = repo.get_tour(session, tour_id)
    if row is None:
        known = ", ".join(t.id for t in repo.all_tours(session))
        raise NotFound(f"no tour with id {tour_id!r}; tours: {known}", field=field)
    return Tour.from_row(row)


def unroutable_reason(loc: Location) -> str | None:
    """Why a place cannot be a stop of a route, or None when it can. Where the street network reaches is no
    part of this: the network the tiles were built from decides, when the planner snaps the place to it
    ("too far from the street network: ..."), so a smaller fetched extract or the whole city both just work."""
    if loc.visitable not in repo.ROUTABLE:
        base = SKIP_REASONS.get(loc.visitable, loc.visitable)
    elif not loc.in_philadelphia:
        base = OUTSIDE_CITY
    else:
        return None
    note = (loc.properties.get("status_note") or "").strip()
    return f"{base}: {note}" if note else base


def skip_reason(loc: Location) -> str:
    return unroutable_reason(loc) or "routable"


def skipped_entry(loc: Location, reason: str | None = None) -> dict[str, Any]:
    return {
        "location_id": loc.id,
        "name": loc.name,
        "visitable": loc.visitable,
        "reason": reason or skip_reason(loc),
    }


def tour_locations(session: Session, tour: Tour) -> tuple[list[Location], list[dict[str, Any]]]:
    """The tour's routable places in its order, and the skipped ones with why."""
    routable: list[Location] = []
    skipped: list[dict[str, Any]] = []
    # One query for all of them (the loader refuses tours naming unknown places; a missing one is left out).
    for loc in repo.locations_by_ids(session, list(tour.stops)):
        if unroutable_reason(loc) is None:
            routable.append(loc)
        else:
            skipped.append(skipped_entry(loc))
    return routable, skipped
