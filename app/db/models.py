"""Database tables. Films, places and their appearances mirror the dataset files; saved routes and the geocoder cache are user data."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, ForeignKey, String, Text
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


# Column helpers: each call makes a new Column (a Column belongs to one table).
def now_column() -> Any:
    """A timezone-aware time, set to now by Python when the row is made."""
    return Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False))


def json_column() -> Any:
    """A JSON document, required (a record kept verbatim, a request, a route answer)."""
    return Field(sa_column=Column(JSON, nullable=False))


class Film(SQLModel, table=True):
    __tablename__ = "film"

    id: str = Field(primary_key=True, max_length=120)
    title: str
    year: int = Field(index=True)
    # The film's full record from films.json, kept verbatim.
    data: dict[str, Any] = json_column()
    updated_at: datetime = now_column()


class Location(SQLModel, table=True):
    """A physical place. Its appearances in films are rows of their own (Appearance)."""

    __tablename__ = "location"

    id: str = Field(primary_key=True, max_length=120)
    name: str
    visitable: str = Field(index=True, max_length=40)
    confidence: str = Field(max_length=10)
    locality: str
    in_philadelphia: bool = Field(index=True)
    precision_m: int
    gone_since: str | None = None
    # When the present-day claims were last checked (YYYY-MM-DD; format 3), for `filmtour data audit`.
    as_of: str | None = Field(default=None, max_length=10)
    lon: float
    lat: float
    # What full-text search indexes (name, scenes, film titles, address), rebuilt by the loader.
    search_text: str = Field(sa_column=Column(Text, nullable=False))
    # The dataset's full property set (appearances included), kept verbatim so the API returns what was researched.
    properties: dict[str, Any] = json_column()
    updated_at: datetime = now_column()


class Appearance(SQLModel, table=True):
    """One film's scene at one place; ``position`` keeps the dataset's order (the most famous first)."""

    __tablename__ = "appearance"

    location_id: str = Field(
        sa_column=Column(String(120), ForeignKey("location.id", ondelete="CASCADE"), primary_key=True)
    )
    position: int = Field(primary_key=True)
    film_id: str = Field(
        sa_column=Column(String(120), ForeignKey("film.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    scene: str
    scene_order: int | None = None
    sequence: str | None = Field(default=None, max_length=120)
    exercise: str | None = None
    filmed: str = Field(max_length=40)
    # Where the camera stood and which way it looked (format 3), or null.
    viewpoint: dict[str, Any] | None = Field(
        default=None, sa_column=Column(JSON(none_as_null=True), nullable=True)
    )


class Tour(SQLModel, table=True):
    """A ready-made tour from tours.json: ordered place ids, activity, default pace, films."""

    __tablename__ = "tour"

    id: str = Field(primary_key=True, max_length=120)
    position: int
    name: str
    data: dict[str, Any] = json_column()


class SavedRoute(SQLModel, table=True):
    __tablename__ = "saved_route"

    id: str = Field(primary_key=True, max_length=40)
    created_at: datetime = now_column()
    tour_id: str | None = Field(default=None, index=True, max_length=120)
    distance_m: float
    duration_s: float
    request: dict[str, Any] = json_column()
    result: dict[str, Any] = json_column()
    # sha256 of the delete token handed out once at creation; the token itself is never stored.
    delete_token_hash: str = Field(max_length=64)
    # When it was last read (its API answer, map, embed or an export; written at most once a day): a route unread
    # for settings.saved_route_retention_days is pruned.
    last_viewed_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False, index=True)
    )
    # Who saved it (to find one abuser's routes): HMAC of the rate-limit key under the deployment's secret.
    client_hash: str | None = Field(default=None, index=True, max_length=64)


class GeocodeCache(SQLModel, table=True):
    __tablename__ = "geocode_cache"

    query: str = Field(primary_key=True, max_length=300)
    lat: float
    lon: float
    display_name: str
    provider: str = Field(max_length=40)
    created_at: datetime = now_column()
