"""The route document's one typed definition: the GeoJSON FeatureCollection of docs/route-format.md, as
TypedDicts. app.services.route_document builds and changes it; everything else reads it through these types.

TypedDicts, not pydantic models, because they cost nothing at run time: the document stays the plain dict the
planner builds and orjson sends (a 2,000-point line is not validated on every POST; measured in
benchmarks/bench_route_document.py). pydantic reads TypedDicts too, so /openapi.json describes the answers of
POST/GET routes and GET tours by these same types (the answer variants are in app.schemas.responses); the
descriptions below (``Field``) are for it. Members not listed may be added later: clients ignore what they do
not know.

``format_version`` (top-level member): 2 since 2026-12-07. Version 1 is every document saved before: the same
members without ``format_version`` (the oldest, from before 2026-12-02, also lack ``language``, ``step_free`` and
``song_cue``); app.services.route_document.upgrade reads them as version 2."""

from __future__ import annotations

from typing import Annotated, Any, Literal, NotRequired, TypedDict

from pydantic import Field

FORMAT_VERSION: Literal[2] = 2

# --- the route line ----------------------------------------------------------------------------------------


class Maneuver(TypedDict):
    instruction: Annotated[str, Field(description="Valhalla's narrative, in the route's language")]
    distance_m: float
    duration_s: float
    street_names: list[str]
    type: Annotated[int | None, Field(description="Valhalla's maneuver type")]
    begin_shape_index: Annotated[int, Field(description="Index of the turn's point in the route line")]


class RouteLeg(TypedDict):
    index: int
    from_seq: int
    to_seq: int
    distance_m: float
    duration_s: float
    maneuvers: list[Maneuver]


class LineGeometry(TypedDict):
    type: Literal["LineString"]
    coordinates: list[list[float]]  # [lon, lat], 6 decimals


class RouteLineProperties(TypedDict):
    kind: Literal["route"]
    distance_m: float
    duration_s: float
    legs: list[RouteLeg]


class RouteLine(TypedDict):
    type: Literal["Feature"]
    id: Literal["route"]
    geometry: LineGeometry
    properties: RouteLineProperties


# --- stops -------------------------------------------------------------------------------------------------


class PointGeometry(TypedDict):
    type: Literal["Point"]
    coordinates: list[float]  # [lon, lat]


class StopViewpoint(TypedDict):
    """Where the camera stood for the stop's scene and which way it looked (dataset format 3)."""

    film: Annotated[str, Field(description="The film id of the appearance this viewpoint belongs to")]
    coordinates: Annotated[list[float], Field(description="[lon, lat] (WGS 84) of the camera position")]
    bearing_deg: Annotated[float, Field(ge=0, lt=360, description="Clockwise from true north")]
    note: Annotated[str, Field(description="One line: where to stand and which way to face")]
    basis: Annotated[str, Field(description="How it was worked out (frames against the streets today)")]
    confidence: Literal["high", "medium", "low"]
    compass: Annotated[str, Field(description="16-point compass word of bearing_deg (N, NNE, ... NNW)")]
    cone: Annotated[list[list[float]], Field(description="A closed ring [lon, lat] ...: a 45 m arc ±22°")]


class StopProperties(TypedDict):
    kind: Literal["stop"]
    seq: Annotated[int, Field(description="Position in visiting order, from 0")]
    role: Literal["start", "stop", "finish"]
    location_id: Annotated[str | None, Field(description="The dataset place, or null for a point")]
    name: str
    # the place's notes (app.services.stops.STOP_INFO_KEYS): null for a point that is not a dataset place
    scene_order: int | None
    scene: str | None
    exercise: str | None
    status_note: str | None
    tips: str | None
    visitable: str | None
    accessibility: str | None
    viewpoint: Annotated[StopViewpoint | None, Field(description="Where to stand for the shot")]
    precision_m: NotRequired[
        Annotated[int | None, Field(description="How precisely the place is pinned (m)")]
    ]
    distance_from_start_m: float
    arrival_elapsed_s: Annotated[float, Field(description="Including the workout stations before the stop")]
    arrival_time: Annotated[
        str | None, Field(description="ISO 8601 with offset, when a start time was given")
    ]


class StopFeature(TypedDict):
    type: Literal["Feature"]
    id: str  # "stop-<seq>"
    geometry: PointGeometry
    properties: StopProperties


# --- the route's properties --------------------------------------------------------------------------------


class Dawn(TypedDict):
    date: str
    civil_dawn: str
    sunrise: str
    timezone: str


class WorkoutExercise(TypedDict):
    id: Annotated[str, Field(description="Key in data/exercises.json")]
    name: str
    how: Annotated[
        str, Field(description="The sidewalk-safe version, nothing in hand (step-free on such routes)")
    ]
    film_exercise: Annotated[str, Field(description="What Rocky does in the film")]
    scene: str
    reps: Annotated[int | None, Field(description="Repetitions at the level, or null when timed")]
    seconds: Annotated[float | None, Field(description="Seconds at the level, or null when counted in reps")]
    duration_s: Annotated[float, Field(description="Time the exercise takes, setting up included")]
    safety: str
    sources: Annotated[list[str], Field(description="Where the film facts come from")]


class WorkoutStation(TypedDict):
    kind: Annotated[
        Literal["stop", "leg"],
        Field(description="At a stop whose scene shows it, or spaced along a long leg"),
    ]
    after_seq: Annotated[int, Field(description="The stop it is at or after")]
    distance_from_start_m: float
    # set once every station is placed (their time shifts the later ones); always there in an answer
    elapsed_s: NotRequired[
        Annotated[float, Field(description="When it starts: running time plus the stations before it")]
    ]
    lat: float
    lon: float
    exercises: list[WorkoutExercise]
    scene: str
    safety: str
    duration_s: float


class Workout(TypedDict):
    level: Literal["beginner", "intermediate", "rocky"]
    stations: list[WorkoutStation]
    stations_s: Annotated[float, Field(description="Time at the stations")]
    running_s: Annotated[float, Field(description="Time moving, at the pace")]
    total_s: Annotated[float, Field(description="running_s + stations_s")]


class PeakAt(TypedDict):
    seq: int
    name: str


class SongCue(TypedDict):
    """When to press play so the song peaks on arrival at the top of the steps (else the last stop)."""

    song: str
    song_s: Annotated[float, Field(description="Length of the version timed to (default 193 s, the montage)")]
    peak_at: PeakAt
    peak_elapsed_s: float
    distance_from_start_m: Annotated[float, Field(description="Where to press play")]
    elapsed_s: Annotated[float, Field(description="When to press play")]
    skip_into_song_s: Annotated[
        float, Field(description="Route shorter than the song: start this far into it")
    ]
    lat: float
    lon: float


class StepFreeStop(TypedDict):
    seq: int
    location_id: str
    name: str
    differs: Annotated[bool, Field(description="The stop is reached differently without steps")]
    note: Annotated[str | None, Field(description="How it differs (e.g. the driveway instead of the steps)")]
    accessibility: Annotated[str | None, Field(description="The dataset's accessibility note")]


class FirstSteps(TypedDict):
    km: int
    shape: str
    place: str | None
    call_to_action: str


class RouteProperties(TypedDict):
    title: str | None
    activity: Literal["walk", "run"]
    pace_min_per_km: float
    order: Annotated[str, Field(description="as_filmed, optimized, as_given, loop or first_steps")]
    distance_m: float
    duration_s: float
    start_time: str | None
    dawn: Dawn | None
    tour: str | None
    loop_km: float | None
    attribution: str
    # Set by the planning step after the line is built (app.services.route_document.planned_with), and the
    # extras: on every route (song cue) or when asked for. NotRequired: routes saved before 2026-12-02 lack them.
    language: NotRequired[Annotated[str, Field(description="Of the maneuvers and the cue sheet (BCP 47)")]]
    step_free: NotRequired[Annotated[bool, Field(description="A step-free route was asked for")]]
    first_steps: NotRequired[FirstSteps]
    song_cue: NotRequired[SongCue]
    workout: NotRequired[Annotated[Workout, Field(description="When a workout was asked for")]]
    step_free_stops: NotRequired[
        Annotated[
            list[StepFreeStop], Field(description="Step-free routes: how the stops differ, and their notes")
        ]
    ]


class SkippedPlace(TypedDict):
    location_id: NotRequired[str | None]
    name: str
    reason: str
    visitable: NotRequired[str]


class RouteLink(TypedDict):
    rel: str
    type: str
    href: str


class RouteMembers(TypedDict):
    """The members every route document has (the answer variants in app.schemas.responses add theirs)."""

    type: Literal["FeatureCollection"]
    format_version: Annotated[
        Literal[2], Field(description="2 since 2026-12-07 (1: saved before, without this member; read as 2)")
    ]
    bbox: list[float]
    properties: RouteProperties
    skipped: Annotated[list[SkippedPlace], Field(description="Places left out, and why")]
    features: Annotated[
        list[RouteLine | StopFeature], Field(description="The line first, then the stops in visiting order")
    ]


class RouteDocument(RouteMembers):
    """docs/route-format.md. ``id`` is a saved route's or a tour's; ``links``, ``delete_token`` and ``tour`` are
    added to answers only (never stored)."""

    id: NotRequired[str]
    links: NotRequired[list[RouteLink]]
    delete_token: NotRequired[str]
    tour: NotRequired[dict[str, Any]]


# --- reading ------------------------------------------------------------------------------------------------


def route_line(doc: RouteDocument) -> RouteLine:
    """The route line feature (the first); ValueError for a document without one."""
    line = next((f for f in doc["features"] if f["properties"]["kind"] == "route"), None)
    if line is None:
        raise ValueError("the route document has no route line")
    return line


def stop_features(doc: RouteDocument) -> list[StopFeature]:
    """The stop features, in visiting order."""
    return [f for f in doc["features"] if f["properties"]["kind"] == "stop"]
