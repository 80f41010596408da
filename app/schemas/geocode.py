"""Response models of ``GET /api/v1/geocode``: ranked GeoJSON candidates."""

from __future__ import annotations

from typing import Literal

from geojson_pydantic import Feature, FeatureCollection, Point
from pydantic import BaseModel, Field

CandidateKind = Literal["address", "intersection", "landmark", "place", "street"]


class GeocodeProperties(BaseModel):
    label: str = Field(
        description="The candidate as shown to a person: '2313 S Lambert St', 'S Broad St & Tasker St'"
    )
    kind: CandidateKind = Field(
        description="address (interpolated along the City's named segment), intersection (the City's cross "
        "streets), landmark (the City's landmark names), place (our film places), street (a street without a "
        "number: its middle)"
    )
    score: float = Field(ge=0, le=1, description="1 is an exact address; candidates come best first")
    matched: str = Field(
        description="What the text was read as: the parser's standard form or the name matched"
    )
    exact: bool = Field(description="False when the number lies outside the street's ranges, or for a street")


class GeocodeFeature(Feature[Point, GeocodeProperties]):
    pass


class GeocodeCollection(FeatureCollection[GeocodeFeature]):
    query: str = Field(description="The text as read (spaces collapsed)")
    numberReturned: int = Field(description="How many candidates follow (0: nothing matches)")
    attribution: str = Field(description="Credit for the data the candidates come from")
