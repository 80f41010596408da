"""Ready-made tours. A tour picks montage scenes by their film order, so it follows the dataset as it is
corrected; places that are gone or were filmed elsewhere are listed as skipped, never routed to."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from app.core.exceptions import NotFound
from app.db import repository as repo
from app.db.models import Location

SKIP_REASONS = {
    "gone": "nothing left to visit",
    "not_in_philadelphia": "this scene was not filmed in Philadelphia",
}


@dataclass(frozen=True)
class Tour:
    id: str
    name: str
    description: str
    scene_orders: tuple[int, ...]
    activity: str = "run"
    pace: str = "steady"

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "activity": self.activity,
            "pace": self.pace,
            "links": [
                {"rel": "self", "href": f"/api/v1/tours/{self.id}"},
                {"rel": "map", "type": "text/html", "href": f"/tours/{self.id}/map"},
                {"rel": "embed", "type": "text/html", "href": f"/embed/tours/{self.id}"},
            ],
        }


TOURS: dict[str, Tour] = {
    t.id: t
    for t in (
        Tour(
            id="rocky-1976-montage",
            name="Gonna Fly Now: the Rocky (1976) training montage",
            description="Every montage place you can still visit in Philadelphia, in the order the film shows "
            "them, from the Italian Market to the top of the 72 steps.",
            scene_orders=(1, 2, 3, 4, 5, 6, 7),
        ),
        Tour(
            id="rocky-steps-run",
            name="The steps run",
            description="A short run from the Italian Market through Center City and up the Parkway, "
            "finishing the way Rocky does: up the 72 steps of the Art Museum.",
            scene_orders=(2, 7),
            pace="easy",
        ),
    )
}


def get_tour(tour_id: str, *, field: str = "tour_id") -> Tour:
    try:
        return TOURS[tour_id]
    except KeyError:
        raise NotFound(f"no tour with id {tour_id!r}; tours: {', '.join(TOURS)}", field=field) from None


def skip_reason(loc: Location) -> str:
    base = SKIP_REASONS.get(loc.visitable, loc.visitable)
    note = (loc.properties.get("status_note") or "").strip()
    return f"{base}: {note}" if note else base


def skipped_entry(loc: Location) -> dict[str, Any]:
    return {"location_id": loc.id, "name": loc.name, "visitable": loc.visitable, "reason": skip_reason(loc)}


def tour_locations(session: Session, tour: Tour) -> tuple[list[Location], list[dict[str, Any]]]:
    """The tour's routable places in film order, and the skipped ones with why."""
    by_order = {loc.scene_order: loc for loc in repo.all_locations(session) if loc.scene_order is not None}
    routable, skipped = [], []
    for order in tour.scene_orders:
        loc = by_order.get(order)
        if loc is None:
            continue
        (routable if loc.visitable in repo.ROUTABLE else skipped).append(loc)
    return routable, [skipped_entry(loc) for loc in skipped]
