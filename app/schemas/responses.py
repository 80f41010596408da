"""Response bodies of the JSON API, for /openapi.json (and the schemathesis conformance check). GeoJSON is
described with geojson-pydantic, and the route document by its TypedDicts (app.schemas.route_document); the
extra members (links, numberMatched, a route's properties and skipped places) are RFC 7946 "foreign members".
Properties allow more keys than listed, so a dataset may grow fields without breaking clients; the listed ones
are always there.

The endpoints send their own bytes (for strong ETags), so these models document the wire format; tests check
the real answers against them."""

from __future__ import annotations

from typing import Annotated, Literal

from geojson_pydantic import Feature, FeatureCollection, Point
from pydantic import BaseModel, ConfigDict, Field

from app.core.paces import Activity
from app.schemas.route_document import RouteLink, RouteMembers, SkippedPlace


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class Link(BaseModel):
    rel: str
    href: str
    type: str | None = None


# --- locations ---------------------------------------------------------------------------------------------


class FilmRef(BaseModel):
    title: str
    year: int


class Viewpoint(_Open):
    """Where the camera stood for a scene and which way it looked (dataset format 3)."""

    coordinates: tuple[float, float] = Field(description="[lon, lat] (WGS 84) of the camera position")
    bearing_deg: float = Field(
        ge=0, lt=360, description="Direction the camera looked, clockwise from true north"
    )
    note: str = Field(description="One line: where to stand and which way to face")
    basis: str = Field(description="How it was worked out (frames against the streets today; sources)")
    confidence: Literal["high", "medium", "low"]
    compass: str = Field(description="16-point compass word of bearing_deg (N, NNE, ... NNW)")
    cone: list[tuple[float, float]] = Field(
        description="A closed ring [lon, lat] ...: the camera and a 45 m arc ±22° around the bearing, for maps"
    )


class PlaceViewpoint(Viewpoint):
    film: str = Field(description="The film id of the appearance this viewpoint belongs to")


class HistoryEvent(_Open):
    date: str = Field(description="YYYY, YYYY-MM or YYYY-MM-DD, as precise as the source")
    event: str
    source: str


class AppearanceOut(_Open):
    film: str = Field(description="Film id (see /api/v1/films)")
    film_title: str | None
    film_year: int | None
    scene: str
    scene_order: int | None = Field(description="Position within the film's `sequence`, if any")
    sequence: str | None
    exercise: str | None
    filmed: Literal["shot_here", "exterior_only", "set_here_shot_elsewhere", "disputed"]
    sources: list[str]
    viewpoint: Viewpoint | None = Field(
        default=None, description="Where to stand for this shot, if researched"
    )


class LocationProperties(_Open):
    id: str
    name: str
    visitable: str = Field(description="public, view_from_street, gone or not_in_philadelphia")
    confidence: str | None = None
    film: FilmRef | None = Field(
        default=None,
        description="v1: the film of the primary appearance (Rocky (1976) if the place is in it)",
    )
    scene_order: int | None = Field(default=None, description="v1: place in the Rocky (1976) montage, if any")
    scene: str | None = Field(default=None, description="v1: the primary appearance's scene")
    exercise: str | None = Field(default=None, description="v1: the primary appearance's exercise")
    appearances: list[AppearanceOut] = Field(default=[], description="One per film, the most famous first")
    locality: str | None = None
    in_philadelphia: bool | None = None
    precision_m: int | None = Field(default=None, description="How far the point may be from the real spot")
    gone_since: str | None = None
    as_of: str | None = Field(
        default=None, description="YYYY-MM-DD: when the present-day claims were checked"
    )
    history: list[HistoryEvent] | None = Field(
        default=None,
        description="Dated events (e.g. the statue's moves: date, event, from, to, cast, source)",
    )
    viewpoint: PlaceViewpoint | None = Field(
        default=None,
        description="Where to stand here: the primary appearance's viewpoint, else the first one",
    )
    distance_m: float | None = Field(default=None, description="From `near`, when it was given")


class LocationFeature(Feature[Point, LocationProperties]):
    id: str
    links: list[Link] = Field(default=[], description="rel page: the place's HTML page")


class LocationCollection(FeatureCollection[LocationFeature]):
    numberMatched: int
    numberReturned: int
    links: list[Link]


class Film(_Open):
    id: str
    title: str
    year: int
    director: str | None = None
    philadelphia_share: str | None = None
    location_count: int = Field(description="Number of places with an appearance in the film")
    links: list[Link] = []


class FilmList(BaseModel):
    films: list[Film]


# --- routes and tours --------------------------------------------------------------------------------------
# The route document is described by its one typed definition, app.schemas.route_document (TypedDicts, read
# by pydantic for this document as models are); the answers add their members to it here.


class SavedRoute(RouteMembers):
    """A saved route (GET /api/v1/routes/{id}): the route document with its id and links."""

    id: Annotated[str, Field(description="16 url-safe characters, 96 random bits")]
    links: list[RouteLink]


class CreatedRoute(SavedRoute):
    """POST /api/v1/routes (201): the saved route and its delete token."""

    delete_token: Annotated[
        str, Field(description="Shown once: send it as X-Delete-Token to delete the route")
    ]


class TourSummary(_Open):
    id: str
    name: str
    description: str
    activity: Activity
    pace: str | None
    films: list[str] = Field(default=[], description="Film ids the tour covers")
    stops: list[str] = Field(default=[], description="Place ids in tour order (unroutable ones are skipped)")
    links: list[Link]


class ListedTour(TourSummary):
    distance_m: float | None = Field(
        description="Routed at the default activity and pace; null if unroutable"
    )
    duration_s: float | None
    skipped: list[SkippedPlace]
    unroutable: str | None = None


class TourList(BaseModel):
    tours: list[ListedTour]


class FilmDetail(Film):
    wikidata: str | None
    imdb: str | None
    summary: str
    philadelphia_note: str
    sequences: list[dict[str, str]]
    sources: list[str]
    tours: list[TourSummary]


class TourRoute(RouteMembers):
    """GET /api/v1/tours/{id}: the tour's route document, its id and summary."""

    id: str
    tour: TourSummary


# --- other -------------------------------------------------------------------------------------------------


class OEmbed(BaseModel):
    version: Literal["1.0"]
    type: Literal["rich"]
    title: str
    provider_name: str
    provider_url: str
    width: int
    height: int
    html: str
    license: str


class Health(BaseModel):
    status: Literal["ok"]


class Readiness(BaseModel):
    status: Literal["ready"]
    database: Literal["ok"]
