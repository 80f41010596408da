"""The answer of POST /api/v1/runs/compare (app.services.runs.compare): documented for the OpenAPI schema."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Split(BaseModel):
    seq: int
    name: str
    planned_elapsed_s: float = Field(description="The plan's arrival, seconds from the start")
    elapsed_s: float | None = Field(description="When the run got there (null: it never did)")
    difference_s: float | None = Field(description="elapsed_s - planned_elapsed_s: positive is late")


class SongPeak(BaseModel):
    name: str = Field(description="Where the song should peak (the top of the steps, or the last stop)")
    played_at_elapsed_s: float = Field(description="When the run passed the song cue (pressed play)")
    peak_elapsed_s: float
    reached_elapsed_s: float
    seconds_from_peak: float = Field(description="Reached it this long after the peak (negative: before)")
    metres_from_steps_at_peak: float = Field(
        description="Along the route at the peak (negative: short of it)"
    )


class RunComparison(BaseModel):
    route: str | None = Field(description="The route's or tour's id")
    points: int = Field(description="Track points read from the GPX")
    matched_share: float = Field(description="Share of the points Valhalla matched to a street or path")
    distance_m: float = Field(description="Distance run, along the map-matched track")
    elapsed_s: float
    moving_time_s: float
    average_pace_min_per_km: float | None
    route_done_m: float = Field(description="How far along the route the run got")
    route_distance_m: float
    splits: list[Split]
    song_peak: SongPeak | None
