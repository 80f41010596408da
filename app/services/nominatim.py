"""The optional fallback (setting `geocoder_fallback`): address → point with geopy's Nominatim geocoder, sent through app.core.outbound (httpx), politely
rate-limited and cached in the database.

Nominatim's usage policy asks for a real User-Agent, at most one request a second and caching of results;
all three are honoured here. The cache is shared by every worker because it lives in the database.

Requests waiting on Nominatim hold neither a database connection nor a server thread: ``geocode_async`` looks the
cache up in a short session, then waits (as an awaitable) on one geocoder thread that paces the calls. At most
``geocoder_queue_size`` look-ups wait per process; past that the answer is 503 with ``Retry-After``. Addresses
Nominatim does not know are remembered too (per process, ``NOT_FOUND_TTL_S``), so asking again costs nothing."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from urllib.parse import urlsplit

import anyio.to_thread
import httpx
from geopy.adapters import AdapterHTTPError, BaseSyncAdapter
from geopy.exc import GeocoderServiceError, GeocoderTimedOut, GeocoderUnavailable, GeopyError
from geopy.geocoders import Nominatim
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.core.config import Settings
from app.core.exceptions import InvalidParameter, ServiceUnavailable
from app.core.outbound import OutboundClient, RetryPolicy
from app.db.models import GeocodeCache, utcnow
from app.services.geocoded import Place

# Results are biased to Philadelphia: a runner typing "City Hall" means this one.
PHILADELPHIA_VIEWBOX = [(39.87, -75.29), (40.14, -74.95)]
NOT_FOUND_TTL_S = 3600.0
NOT_FOUND_MAX = 10_000


class OutboundAdapter(BaseSyncAdapter):
    """geopy adapter on app.core.outbound: geopy builds the Nominatim query and reads its answer; the request
    itself goes out with our User-Agent, timeouts and Retry-After-honouring retries."""

    def __init__(self, client: OutboundClient, *, proxies, ssl_context) -> None:
        super().__init__(proxies=proxies, ssl_context=ssl_context)
        self.client = client

    def get_text(self, url, *, timeout, headers):
        try:
            # (geopy's timeout is settings.geocoder_timeout_s, the client's own: its connect limit applies too)
            resp = self.client.request("GET", url, headers=headers)
        except httpx.TimeoutException as exc:
            raise GeocoderTimedOut("geocoder timed out") from exc
        except httpx.TransportError as exc:
            raise GeocoderUnavailable(f"geocoder unreachable: {exc}") from exc
        if resp.status_code >= 400:
            raise AdapterHTTPError(
                f"geocoder answered {resp.status_code}",
                status_code=resp.status_code,
                headers={k.lower(): v for k, v in resp.headers.items()},
                text=resp.text,
            )
        return resp.text

    def get_json(self, url, *, timeout, headers):
        try:
            return json.loads(self.get_text(url, timeout=timeout, headers=headers))
        except ValueError as exc:
            raise GeocoderServiceError("geocoder sent something that is not JSON") from exc


class NominatimGeocoder:
    """One per process; thread-safe. ``geocode`` consults the cache, then Nominatim at most once a second."""

    def __init__(self, settings: Settings) -> None:
        url = urlsplit(settings.geocoder_url)
        self._client = OutboundClient(
            user_agent=settings.geocoder_user_agent,
            timeout_s=settings.geocoder_timeout_s,
            retry=RetryPolicy(attempts=settings.geocoder_retries, backoff_s=1.0, max_wait_s=5.0),
            follow_redirects=True,
        )
        self._geolocator = Nominatim(
            domain=url.netloc + url.path.rstrip("/"),
            scheme=url.scheme or "https",
            user_agent=settings.geocoder_user_agent,
            timeout=settings.geocoder_timeout_s,
            adapter_factory=partial(OutboundAdapter, self._client),
        )
        self._min_interval = settings.geocoder_min_interval_s
        self._lock = threading.Lock()
        self._last_call = 0.0
        self._queue_size = settings.geocoder_queue_size
        self._pending = 0
        self._pending_lock = threading.Lock()
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="geocoder")
        self._not_found: OrderedDict[str, float] = OrderedDict()

    def close(self) -> None:
        self._thread.shutdown(wait=False, cancel_futures=True)

    # --- the not-found cache ----------------------------------------------------------------------------

    def _known_missing(self, key: str) -> bool:
        with self._pending_lock:
            at = self._not_found.get(key)
            if at is not None and time.monotonic() - at > NOT_FOUND_TTL_S:
                del self._not_found[key]
                at = None
            return at is not None

    def _remember_missing(self, key: str) -> None:
        with self._pending_lock:
            self._not_found[key] = time.monotonic()
            self._not_found.move_to_end(key)
            while len(self._not_found) > NOT_FOUND_MAX:
                self._not_found.popitem(last=False)

    # --- the steps both paths share -----------------------------------------------------------------------

    @staticmethod
    def normalise(query: str) -> str:
        return " ".join(query.lower().split())

    def _key(self, query: str, field: str) -> str:
        key = self.normalise(query)
        if not key:
            raise InvalidParameter("address is empty", field=field)
        return key

    @staticmethod
    def _from_cache(hit: GeocodeCache | None) -> Place | None:
        return Place(hit.lat, hit.lon, hit.display_name, cached=True) if hit is not None else None

    def _refuse_known_missing(self, key: str, query: str, field: str) -> None:
        if self._known_missing(key):
            raise InvalidParameter(f"address not found: {query!r}", field=field)

    def _ask(self, query: str, key: str, field: str):
        """Nominatim's answer; an address it does not know is remembered and refused."""
        location = self._ask_nominatim(query)
        if location is None:
            self._remember_missing(key)
            raise InvalidParameter(f"address not found: {query!r}", field=field)
        return location

    @staticmethod
    def _store(session: Session, key: str, location) -> Place:
        # INSERT ... ON CONFLICT DO NOTHING: two workers storing the same new address both succeed (a merge,
        # SELECT then INSERT, gave the second a primary-key violation and a 500: review finding T3-9).
        dialect = session.get_bind().dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        row = {
            "query": key,
            "lat": location.latitude,
            "lon": location.longitude,
            "display_name": location.address,
            "provider": "nominatim",
            "created_at": utcnow(),
        }
        session.execute(insert(GeocodeCache).values(**row).on_conflict_do_nothing(index_elements=["query"]))
        session.commit()
        return Place(location.latitude, location.longitude, location.address, cached=False)

    # --- the non-blocking path used by the API ------------------------------------------------------------

    async def geocode_async(self, db: Engine, query: str, *, field: str = "start.address") -> Place:
        """Cache first (a short session in a pool thread), then a place in the bounded queue, awaited."""
        key = self._key(query, field)
        hit = await anyio.to_thread.run_sync(self._cached, db, key)
        if hit is not None:
            return hit
        self._refuse_known_missing(key, query, field)
        with self._pending_lock:
            if self._pending >= self._queue_size:
                wait = max(1, int(self._pending * max(self._min_interval, 0.5)) + 1)
                raise ServiceUnavailable(
                    f"{self._pending} address look-ups are already waiting for the geocoder; retry in {wait} s, "
                    "or give lat/lon",
                    retry_after_s=wait,
                )
            self._pending += 1
        try:
            future = self._thread.submit(self._lookup_and_store, db, query, key, field)
            return await asyncio.wrap_future(future)
        finally:
            with self._pending_lock:
                self._pending -= 1

    def _cached(self, db: Engine, key: str) -> Place | None:
        with Session(db) as session:
            return self._from_cache(session.get(GeocodeCache, key))

    def _lookup_and_store(self, db: Engine, query: str, key: str, field: str) -> Place:
        location = self._ask(query, key, field)
        with Session(db) as session:  # a connection only for the write, after the answer came
            return self._store(session, key, location)

    # --- the plain synchronous path (CLI, scripts) --------------------------------------------------------

    def geocode(self, session: Session, query: str, *, field: str = "start.address") -> Place:
        key = self._key(query, field)
        hit = self._from_cache(session.get(GeocodeCache, key))
        if hit is not None:
            return hit
        self._refuse_known_missing(key, query, field)
        return self._store(session, key, self._ask(query, key, field))

    def _ask_nominatim(self, query: str):
        with self._lock:  # serialises callers so the interval holds across threads
            wait = self._last_call + self._min_interval - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            try:
                return self._geolocator.geocode(query, exactly_one=True, viewbox=PHILADELPHIA_VIEWBOX)
            except (GeocoderTimedOut, GeocoderUnavailable) as exc:
                raise ServiceUnavailable(
                    f"the geocoder is unreachable ({exc}); try again, or give lat/lon"
                ) from exc
            except GeopyError as exc:
                raise ServiceUnavailable(f"the geocoder failed ({exc}); try again, or give lat/lon") from exc
            finally:
                self._last_call = time.monotonic()
