"""What a share card shows (``Card``) and its size and palette: all the API needs to describe a card. The drawing
(app.maps.cards: Pillow, numpy, the tile decoder) is imported only when a card is first drawn."""

from __future__ import annotations

from dataclasses import dataclass, field

SIZE = (1200, 630)
BAND = 150  # the title band at the bottom, in output pixels
ROUTE_COLOUR = (179, 32, 43)  # #b3202b, the route line of the map pages (map.js)
LAND, PARK, WATER, RAIL = (242, 239, 233), (205, 230, 199), (169, 211, 240), (190, 186, 180)
STREET, CASING, INK, MUTED = (255, 255, 255), (214, 208, 200), (34, 34, 34), (90, 90, 90)
# a place's marker, as map.css colours it by how the place can be visited
VISIT_COLOUR = {"view_from_street": (217, 130, 43), "gone": (138, 138, 138)}


@dataclass
class Card:
    """What a card shows: a title, a line under it, lines (lon/lat) and numbered points (lon, lat)."""

    title: str
    subtitle: str
    credit: str
    lines: list[list[tuple[float, float]]] = field(default_factory=list)
    stops: list[tuple[float, float]] = field(default_factory=list)
    numbered: bool = True  # stops in order (a route, a film's scenes); else plain dots (every place)
    colour: tuple[int, int, int] = ROUTE_COLOUR  # the stops' fill (a place card: its marker's colour)
    radius: int = 0  # the stops' radius in output pixels (0: 14 numbered, 7 plain)
