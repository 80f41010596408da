"""Text → point for a route's start and for ``GET /api/v1/geocode``: the offline City geocoder first
(app.city.geocoder: addresses, cross streets, landmarks, our places; no outside request), then, only when the
setting ``geocoder_fallback`` is on, Nominatim (app.services.nominatim) for a start address it does not find.

The offline index is built once per process (about 3 s: the City's parser, 40,000 segments, 24,000 cross
streets) on one builder thread, started at start-up. A request that comes before it is ready awaits it without
holding a server thread (a blocked pool thread per early request would starve every other endpoint)."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import anyio.to_thread
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.city.geocoder import Candidate, CityGeocoder, Lookup, decide
from app.core.config import SHIPPED_DATA, Settings
from app.core.exceptions import AddressNotFound, AddressOutsideCity, AmbiguousAddress, InvalidParameter
from app.services.geocoded import Place

if TYPE_CHECKING:
    from app.services.nominatim import NominatimGeocoder

GEOCODER_DATA = SHIPPED_DATA / "city" / "geocoder"
MAX_QUERY_CHARS = 200
PROBLEM_CANDIDATES = 5


_load_lock = threading.Lock()
_builds: dict[Path, Future[CityGeocoder]] = {}
_builder = ThreadPoolExecutor(max_workers=1, thread_name_prefix="geocoder-index")


def city_geocoder_future(places_file: Path) -> Future[CityGeocoder]:
    """The offline index for a places file, being built or built (once per process: every app shares it; a
    build that failed is tried again)."""
    with _load_lock:
        built = _builds.get(places_file)
        if built is None or (built.done() and (built.cancelled() or built.exception() is not None)):
            built = _builds[places_file] = _builder.submit(CityGeocoder.load, GEOCODER_DATA, places_file)
        return built


def city_geocoder(places_file: Path) -> CityGeocoder:
    """The offline index for a places file, waiting for its build if need be."""
    return city_geocoder_future(places_file).result()


def candidate_summary(c: Candidate) -> dict[str, Any]:
    """A candidate as a problem document lists it."""
    return {"label": c.label, "kind": c.kind, "score": round(c.score, 3), "lon": c.lon, "lat": c.lat}


class AddressLookup(Protocol):
    """What the planner needs of a geocoder: the place for a start address (``Geocoder``, or ``Resolved``)."""

    def geocode(self, session: Session, query: str, *, field: str = "start.address") -> Place: ...


class Geocoder:
    """One per process; thread-safe."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._fallback: NominatimGeocoder | None = None
        if settings.geocoder_fallback:  # only then: it brings httpx and geopy's geocoders (~60 ms of imports)
            from app.services.nominatim import NominatimGeocoder

            self._fallback = NominatimGeocoder(settings)

    @property
    def fallback_enabled(self) -> bool:
        return self._fallback is not None

    def city(self) -> CityGeocoder:
        """The offline index, built on first use (once per process)."""
        return city_geocoder(self._settings.locations_file)

    def warm_up(self) -> None:
        """Start building the offline index (start-up does not wait for it)."""
        city_geocoder_future(self._settings.locations_file)

    async def ready(self) -> None:
        """Await the offline index (holding no thread while it is built)."""
        # Shielded: a waiter cancelled (an app stopping) must not cancel the build every app shares
        # (wrap_future passes a cancellation on to the concurrent future, and a queued build would die).
        await asyncio.shield(asyncio.wrap_future(city_geocoder_future(self._settings.locations_file)))

    def close(self) -> None:
        if self._fallback is not None:
            self._fallback.close()

    # --- the ranked candidates (the API's search) -----------------------------------------------------

    def search(self, query: str, limit: int = 5, *, field: str = "q") -> Lookup:
        """Ranked offline candidates; text naming a place outside the city is refused (422)."""
        if len(query) > MAX_QUERY_CHARS:
            raise InvalidParameter(f"{field}: at most {MAX_QUERY_CHARS} characters", field=field)
        lookup = self.city().search(query, limit)
        if lookup.outside:
            raise AddressOutsideCity(
                f"{field}: {query!r} is outside Philadelphia ({lookup.outside})", field=field
            )
        return lookup

    # --- one point for a route's start --------------------------------------------------------------

    def _offline(self, query: str, field: str) -> Place | None:
        lookup = self.search(query, PROBLEM_CANDIDATES, field=field)
        best, ambiguous = decide(lookup)
        if ambiguous:
            what = "a whole street" if lookup.candidates[0].kind == "street" else "places far apart"
            raise AmbiguousAddress(
                f"{field}: {query!r} matches {what}; give a house number or a cross street, or pick a candidate",
                field=field,
                candidates=[candidate_summary(c) for c in lookup.candidates],
            )
        if best is None:
            return None
        return Place(best.lat, best.lon, best.label, cached=False)

    def not_found(self, query: str, field: str) -> AddressNotFound:
        return AddressNotFound(
            f"{field}: no Philadelphia address, cross street, landmark or film place matches {query!r}; "
            "try '1234 Market St', 'Broad & Tasker' or a landmark's name, or give lat/lon",
            field=field,
        )

    def _inside(self, place: Place, query: str, field: str) -> Place:
        """Nominatim's answer, if it lies in the city the offline index covers."""
        if not self.city().contains(place.lon, place.lat):
            raise AddressOutsideCity(f"{field}: {query!r} is outside Philadelphia", field=field)
        return place

    async def geocode_async(self, db: Engine, query: str, *, field: str = "start.address") -> Place:
        """Offline first (in a pool thread, once the index is built), then the fallback."""
        await self.ready()
        place = await anyio.to_thread.run_sync(self._offline, query, field)
        if place is not None:
            return place
        if self._fallback is None:
            raise self.not_found(query, field)
        return self._inside(await self._fallback.geocode_async(db, query, field=field), query, field)

    def geocode(self, session: Session, query: str, *, field: str = "start.address") -> Place:
        place = self._offline(query, field)
        if place is not None:
            return place
        if self._fallback is None:
            raise self.not_found(query, field)
        return self._inside(self._fallback.geocode(session, query, field=field), query, field)


class Resolved:
    """A geocoder stand-in holding an address already looked up (by ``geocode_async``), for the planner."""

    def __init__(self, place: Place) -> None:
        self.place = place

    def geocode(self, session: Session, query: str, *, field: str = "start.address") -> Place:
        return self.place


__all__ = ["AddressLookup", "Geocoder", "Place", "Resolved", "candidate_summary"]
