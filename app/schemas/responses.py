"""Response bodies of the JSON API, for /openapi.json (and the schemathesis conformance check). GeoJSON is
described with geojson-pydantic; the extra members (links, numberMatched, a route's properties and skipped
places) are RFC 7946 "foreign members". Properties allow more keys than listed, so a dataset may grow fields
without breaking clients; the listed ones are always there.

The endpoints send their own bytes (for strong ETags), so these models document the wire format; tests check
the real answers against them."""

from __future__ import annotations

from typing import Literal

from geojson_pydantic import Feature, FeatureCollection, LineString, Point
from pydantic import BaseModel, ConfigDict, Field

from app.core.paces import Activity


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


class Maneuver(_Open):
    instruction: str
    distance_m: float
    duration_s: float
    street_names: list[str] = []
    type: int | None = None
    begin_shape_index: int


class RouteLeg(_Open):
    index: int
    from_seq: int
    to_seq: int
    distance_m: float
    duration_s: float
    maneuvers: list[Maneuver]


class RouteLineProperties(_Open):
    kind: Literal["route"]
    distance_m: float
    duration_s: float
    legs: list[RouteLeg]


class StopProperties(_Open):
    kind: Literal["stop"]
    seq: int
    role: Literal["start", "stop", "finish"]
    location_id: str | None
    name: str
    distance_from_start_m: float
    arrival_elapsed_s: float
    arrival_time: str | None = Field(description="ISO 8601 with offset, when a start time was given")
    viewpoint: PlaceViewpoint | None = Field(default=None, description="Where to stand for the shot")


class RouteLine(Feature[LineString, RouteLineProperties]):
    pass


class RouteStop(Feature[Point, StopProperties]):
    pass


class Dawn(_Open):
    date: str
    civil_dawn: str
    sunrise: str
    timezone: str


class WorkoutExercise(_Open):
    id: str = Field(description="Key in data/exercises.json")
    name: str
    how: str = Field(
        description="The sidewalk-safe version, nothing in hand (the step-free one on such routes)"
    )
    film_exercise: str = Field(description="What Rocky does in the film")
    scene: str
    reps: int | None = Field(description="Repetitions at the level, or null when timed")
    seconds: float | None = Field(description="Seconds at the level, or null when counted in reps")
    duration_s: float = Field(description="Time the exercise takes, setting up included")
    safety: str
    sources: list[str] = Field(description="Where the film facts come from")


class WorkoutStation(_Open):
    kind: Literal["stop", "leg"] = Field(
        description="At a stop whose scene shows it, or spaced along a long leg"
    )
    after_seq: int = Field(description="The stop it is at or after")
    distance_from_start_m: float
    elapsed_s: float = Field(description="When it starts: running time plus the stations before it")
    lat: float
    lon: float
    exercises: list[WorkoutExercise]
    scene: str
    safety: str
    duration_s: float


class Workout(_Open):
    level: Literal["beginner", "intermediate", "rocky"]
    stations: list[WorkoutStation]
    stations_s: float = Field(description="Time at the stations")
    running_s: float = Field(description="Time moving, at the pace")
    total_s: float = Field(description="running_s + stations_s")


class PeakAt(_Open):
    seq: int
    name: str


class SongCue(_Open):
    song: str
    song_s: float = Field(description="Length of the version timed to (default 193 s, the film's montage)")
    peak_at: PeakAt = Field(
        description="The stop where the song peaks: the top of the steps, else the last stop"
    )
    peak_elapsed_s: float
    distance_from_start_m: float = Field(description="Where to press play")
    elapsed_s: float = Field(description="When to press play")
    skip_into_song_s: float = Field(description="For a route shorter than the song: start this far into it")
    lat: float
    lon: float


class StepFreeStop(_Open):
    seq: int
    location_id: str
    name: str
    differs: bool = Field(description="The stop is reached differently without steps")
    note: str | None = Field(description="How it differs (e.g. the driveway instead of the 72 steps)")
    accessibility: str | None = Field(description="The dataset's accessibility note")


class RouteProperties(_Open):
    title: str | None
    activity: Activity
    pace_min_per_km: float
    order: str
    distance_m: float
    duration_s: float
    start_time: str | None
    dawn: Dawn | None
    tour: str | None
    loop_km: float | None
    language: str = Field(description="Language of the maneuvers and the cue sheet (BCP 47)")
    step_free: bool
    song_cue: SongCue
    workout: Workout | None = Field(default=None, description="When a workout was asked for")
    step_free_stops: list[StepFreeStop] | None = Field(
        default=None, description="Step-free routes: how the stops differ and their accessibility notes"
    )
    attribution: str


class SkippedPlace(_Open):
    location_id: str | None = None
    name: str
    reason: str


class RouteDocument(FeatureCollection[RouteLine | RouteStop]):
    """The route format of docs/route-format.md: the line first, then the stops in visiting order. Its typed
    definition in code is app.schemas.route_document (TypedDicts); these models describe it for /openapi.json."""

    format_version: Literal[2] = Field(description="2 since 2026-12-07 (1: saved before, read as 2)")
    id: str | None = None
    properties: RouteProperties
    skipped: list[SkippedPlace]


class SavedRoute(RouteDocument):
    id: str
    links: list[Link]


class CreatedRoute(SavedRoute):
    delete_token: str = Field(description="Shown once: send it as X-Delete-Token to delete the route")


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


class TourRoute(RouteDocument):
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
