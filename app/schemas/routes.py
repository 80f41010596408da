"""Request bodies of the JSON API (also built by the services and the CLI). Limits that are configurable (stops, loop length) are checked again against
settings in the service layer; the static bounds here keep payloads sane before that."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Discriminator, Field, Tag

from app.core.exceptions import InvalidParameter
from app.core.paces import Activity, Pace
from app.routing.planner import PACE_PRESETS, default_pace

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
EARLIEST_YEAR, LATEST_YEAR = 1900, 2200  # dawn, sun and ETAs are computed for these; outside: 422, not 500


def _printable(value: str) -> str:
    bad = _CONTROL.search(value)
    if bad:
        raise ValueError(f"control characters are not allowed (U+{ord(bad.group()):04X})")
    return value


def _in_years(value: date) -> date:
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise ValueError(f"the year must be between {EARLIEST_YEAR} and {LATEST_YEAR}")
    return value


# Text a client sends: no control characters (they break XML exports and terminals; named in a 422).
Text = Annotated[str, AfterValidator(_printable)]
BoundedDateTime = Annotated[datetime, AfterValidator(_in_years)]
BoundedDate = Annotated[date, AfterValidator(_in_years)]

Lat = Annotated[float, Field(ge=-90, le=90, description="Latitude, WGS84")]
Lon = Annotated[float, Field(ge=-180, le=180, description="Longitude, WGS84")]


class PointIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lat: Lat
    lon: Lon
    name: Text | None = Field(default=None, max_length=120)


class AddressIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    address: Text = Field(
        min_length=3, max_length=200, description="Geocoded with Nominatim, biased to Philadelphia"
    )


class WorkoutIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    level: Literal["beginner", "intermediate", "rocky"] = Field(
        description="Reps and seconds of each station (see data/exercises.json)"
    )


class FirstStepsIn(BaseModel):
    """The beginners' preset: a short run from where you are that ends at the nearest montage place."""

    model_config = ConfigDict(extra="forbid")
    km: Literal[1, 2, 3] = Field(description="About 1, 2 or 3 km")
    shape: Literal["one_way", "loop"] = Field(
        default="one_way",
        description="one_way: end at the montage place (the steps if they are in reach); "
        "loop: through it and back to the start",
    )


SongSeconds = Annotated[
    float,
    Field(ge=30, le=1200, description="Length of the version of 'Gonna Fly Now' you time to (default 193 s)"),
]
Language = Annotated[
    str,
    Field(
        min_length=2,
        max_length=20,
        pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$",
        description="BCP 47 tag for maneuvers and the cue sheet (e.g. es, es-ES); any language Valhalla narrates",
    ),
]


def _start_kind(value: object) -> str:
    is_address = isinstance(value, AddressIn) or (isinstance(value, dict) and "address" in value)
    return "AddressIn" if is_address else "PointIn"


# A start with an address is an address (its errors name start.address, not a point's missing lat/lon).
StartIn = Annotated[
    Annotated[PointIn, Tag("PointIn")] | Annotated[AddressIn, Tag("AddressIn")], Discriminator(_start_kind)
]

StopIn = Annotated[Text, Field(min_length=1, max_length=120, description="A location id")] | PointIn


class RouteRequest(BaseModel):
    """Plan a walk or run. Give ``stops`` (location ids and/or points), or a ``tour`` id, or a ``loop_km``."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"tour": "rocky-1976-montage", "activity": "run", "pace": "steady"},
                {
                    "stops": ["italian-market", {"lat": 39.9526, "lon": -75.1635}, "art-museum-steps"],
                    "activity": "walk",
                    "order": "as_given",
                },
                {
                    "start": {"address": "1 S Broad St, Philadelphia"},
                    "loop_km": 8,
                    "activity": "run",
                    "finish_at": "art-museum-steps",
                },
            ]
        },
    )

    stops: list[StopIn] = Field(default_factory=list, max_length=200)
    tour: Text | None = Field(
        default=None, max_length=120, description="Use a tour's stops (see /api/v1/tours)"
    )
    start: StartIn | None = Field(default=None, description="Where you start (a hotel, say)")
    order: Literal["as_filmed", "optimized", "as_given"] = "as_filmed"
    return_to_start: bool = False
    activity: Activity = "walk"
    pace: Pace | None = Field(default=None, description="Running pace preset")
    pace_min_per_km: float | None = Field(default=None, ge=2.5, le=30, description="Overrides the preset")
    start_time: BoundedDateTime | None = Field(
        default=None, description="ISO 8601; naive times are Philadelphia local"
    )
    start_at_dawn: BoundedDate | None = Field(
        default=None, description="Start at civil dawn on this date (like Rocky)"
    )
    loop_km: float | None = Field(default=None, gt=0, le=1000, description="Plan a loop of about this length")
    finish_at: Text | None = Field(
        default=None, max_length=120, description="With loop_km: end at this location"
    )
    title: Text | None = Field(default=None, max_length=120)
    workout: WorkoutIn | None = Field(default=None, description="Montage workout stations along the route")
    first_steps: FirstStepsIn | None = Field(
        default=None,
        description="Beginners' preset (needs start): a 1-3 km run ending at the nearest montage place, "
        "a beginner workout and an easy run unless given",
    )
    song_s: SongSeconds | None = None
    step_free: bool = Field(
        default=False,
        description="No steps: Valhalla's wheelchair pedestrian type (the museum top by its driveway)",
    )
    language: Language | None = None
    save: bool = Field(
        default=True,
        description="false: plan only. Nothing is stored; the answer (200, not 201) has no id, links or "
        "delete token. For a plan from where someone is now (the run page's way back to its route), so "
        "a live position never becomes a public saved route.",
    )

    def check_coherent(self) -> None:
        """Cross-field rules, raised as problems naming the field (a model validator could only say 'body')."""
        if self.start_time and self.start_at_dawn:
            raise InvalidParameter("give start_time or start_at_dawn, not both", field="start_at_dawn")
        if self.first_steps is not None:
            if self.start is None:
                raise InvalidParameter("first_steps needs a start (a point or an address)", field="start")
            if self.stops or self.tour or self.loop_km is not None or self.finish_at:
                raise InvalidParameter(
                    "first_steps plans its own run: give no stops, tour, loop_km or finish_at",
                    field="first_steps",
                )
            return
        if self.loop_km is not None and self.start is None:
            raise InvalidParameter("loop_km needs a start (a point or an address)", field="start")
        if self.finish_at and self.loop_km is None:
            raise InvalidParameter("finish_at goes with loop_km", field="finish_at")
        if self.loop_km is None and not self.stops and not self.tour:
            raise InvalidParameter("give stops, a tour or loop_km", field="stops")
        if self.tour and self.stops:
            raise InvalidParameter("give stops or a tour, not both", field="tour")

    def effective_pace(self) -> float:
        if self.pace_min_per_km is not None:
            return self.pace_min_per_km
        if self.activity == "run" and self.pace:
            return PACE_PRESETS[self.pace]
        return default_pace(self.activity)
