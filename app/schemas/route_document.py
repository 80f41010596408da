"""The route document's one typed definition: the GeoJSON FeatureCollection of docs/route-format.md, as
TypedDicts. app.services.route_document builds and changes it; everything else reads it through these types.

TypedDicts, not pydantic models, because they cost nothing at run time: the document stays the plain dict the
planner builds and orjson sends (a 2,000-point line is not validated on every POST; measured in
benchmarks/bench_route_document.py). /openapi.json describes the same members with the pydantic models of
app.schemas.responses; tests/test_route_document.py checks that both name the same members.

``format_version`` (top-level member): 2 since 2026-12-07. Version 1 is every document saved before: the same
members without ``format_version`` (the oldest, from before 2026-12-02, also lack ``language``, ``step_free`` and
``song_cue``); app.services.route_document.upgrade reads them as version 2."""

from __future__ import annotations

from typing import Any, Literal, NotRequired, TypedDict

FORMAT_VERSION: Literal[2] = 2

# --- the route line ----------------------------------------------------------------------------------------


class Maneuver(TypedDict):
    instruction: str
    distance_m: float
    duration_s: float
    street_names: list[str]
    type: int | None
    begin_shape_index: int


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


class StopProperties(TypedDict):
    kind: Literal["stop"]
    seq: int
    role: Literal["start", "stop", "finish"]
    location_id: str | None
    name: str
    # the place's notes (app.services.stops.STOP_INFO_KEYS): null for a point that is not a dataset place
    scene_order: int | None
    scene: str | None
    exercise: str | None
    status_note: str | None
    tips: str | None
    visitable: str | None
    accessibility: str | None
    viewpoint: dict[str, Any] | None  # dataset format 3 (docs/dataset-format.md), with compass and cone
    precision_m: NotRequired[int | None]
    distance_from_start_m: float
    arrival_elapsed_s: float
    arrival_time: str | None  # ISO 8601 with offset, when a start time was given


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
    id: str
    name: str
    how: str
    film_exercise: str
    scene: str
    reps: int | None
    seconds: float | None
    duration_s: float
    safety: str
    sources: list[str]


class WorkoutStation(TypedDict):
    kind: Literal["stop", "leg"]  # at a stop whose scene shows it, or spaced along a long leg
    after_seq: int
    distance_from_start_m: float
    elapsed_s: NotRequired[float]  # set once every station is placed (their time shifts the later ones)
    lat: float
    lon: float
    exercises: list[WorkoutExercise]
    scene: str
    safety: str
    duration_s: float


class Workout(TypedDict):
    level: Literal["beginner", "intermediate", "rocky"]
    stations: list[WorkoutStation]
    stations_s: float
    running_s: float
    total_s: float


class PeakAt(TypedDict):
    seq: int
    name: str


class SongCue(TypedDict):
    song: str
    song_s: float
    peak_at: PeakAt
    peak_elapsed_s: float
    distance_from_start_m: float
    elapsed_s: float
    skip_into_song_s: float
    lat: float
    lon: float


class StepFreeStop(TypedDict):
    seq: int
    location_id: str
    name: str
    differs: bool
    note: str | None
    accessibility: str | None


class FirstSteps(TypedDict):
    km: int
    shape: str
    place: str | None
    call_to_action: str


class RouteProperties(TypedDict):
    title: str | None
    activity: str
    pace_min_per_km: float
    order: str
    distance_m: float
    duration_s: float
    start_time: str | None
    dawn: Dawn | None
    tour: str | None
    loop_km: float | None
    attribution: str
    # set by the planning step after the line is built (app.services.route_document.planned_with)
    language: NotRequired[str]
    step_free: NotRequired[bool]
    first_steps: NotRequired[FirstSteps]
    # the extras, added on every route (song cue) or when asked for (workout, step-free notes)
    song_cue: NotRequired[SongCue]
    workout: NotRequired[Workout]
    step_free_stops: NotRequired[list[StepFreeStop]]


class SkippedPlace(TypedDict):
    location_id: NotRequired[str | None]
    name: str
    reason: str
    visitable: NotRequired[str]


class Link(TypedDict):
    rel: str
    type: str
    href: str


class RouteDocument(TypedDict):
    """docs/route-format.md: the line first, then the stops in visiting order. ``id`` is a saved route's or
    a tour's; ``links``, ``delete_token`` and ``tour`` are added to answers only (never stored)."""

    type: Literal["FeatureCollection"]
    format_version: Literal[2]
    id: NotRequired[str]
    bbox: list[float]
    properties: RouteProperties
    skipped: list[SkippedPlace]
    features: list[RouteLine | StopFeature]
    links: NotRequired[list[Link]]
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
