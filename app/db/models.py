"""Database tables. Locations mirror the GeoJSON dataset; saved routes and the geocoder cache are user data."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class Location(SQLModel, table=True):
    __tablename__ = "location"

    id: str = Field(primary_key=True, max_length=120)
    name: str
    film_title: str = Field(index=True)
    film_year: int
    scene_order: int | None = Field(default=None, index=True)
    visitable: str = Field(index=True, max_length=40)
    confidence: str = Field(max_length=10)
    lon: float
    lat: float
    # The dataset's full property set, kept verbatim so the API returns exactly what was researched.
    properties: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )


class SavedRoute(SQLModel, table=True):
    __tablename__ = "saved_route"

    id: str = Field(primary_key=True, max_length=40)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
    tour_id: str | None = Field(default=None, index=True, max_length=120)
    distance_m: float
    duration_s: float
    request: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    result: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    # sha256 of the delete token handed out once at creation; the token itself is never stored.
    delete_token_hash: str = Field(max_length=64)


class GeocodeCache(SQLModel, table=True):
    __tablename__ = "geocode_cache"

    query: str = Field(primary_key=True, max_length=300)
    lat: float
    lon: float
    display_name: str
    provider: str = Field(max_length=40)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
