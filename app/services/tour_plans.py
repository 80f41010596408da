"""Ready-made tours, planned once per tour, activity and dataset version, and re-timed for any pace.

The streets are chosen at the activity's reference pace whatever the pace asked for (planner.Profile), and every
ETA is distance ÷ pace (see app.routing.planner), so a plan at the activity's default pace is re-timed exactly
for any other pace: ``pace_min_per_km=10.0001`` costs a dictionary look-up, not a new plan."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from sqlmodel import Session

from app.core.config import Settings
from app.core.exceptions import InvalidParameter, Unroutable
from app.routing.engine import RoutingEngine
from app.routing.languages import narrative_language
from app.routing.planner import default_pace
from app.schemas.route_document import RouteDocument
from app.schemas.routes import RouteRequest
from app.services import route_document
from app.services import routes as routes_service
from app.services import tours as tours_service

CACHE_SIZE = 32  # variants (another activity, step_free or language) of tours × dataset versions


class TourPlans:
    """Thread-safe cache of tour plans; one per process.

    Each tour's default plan (its own activity, not step-free, the default language) is the server's own work,
    shared by everyone (the tours list shows all of them): kept for the current dataset version without
    eviction (one per tour) and never charged to a client. Variants a client asks for are charged and kept in a
    bounded LRU, so asking for variants can never evict a default plan and make the list plan again."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self.size = size
        self._plans: OrderedDict[tuple, RouteDocument] = OrderedDict()
        # (tour id, dataset version) -> plan, or why it cannot be planned (so the list does not plan it again)
        self._defaults: dict[tuple, RouteDocument | InvalidParameter | Unroutable] = {}
        self._lock = threading.Lock()

    def get(
        self,
        session: Session,
        engine: RoutingEngine,
        settings: Settings,
        tour_id: str,
        *,
        version: str,
        activity: str | None = None,
        pace: str | None = None,
        pace_min_per_km: float | None = None,
        workout: str | None = None,
        song_s: float | None = None,
        step_free: bool = False,
        language: str | None = None,
        slots: AbstractContextManager[Any] | None = None,
        charge: Callable[[int], None] | None = None,
    ) -> RouteDocument:
        """The tour with these options. ``charge(cost)`` is called before a variant plan that is not cached yet
        (a GET that plans another activity, step_free or language afresh is charged as a POST of the same plan
        is; a cached one, and the tour's default plan, cost nothing)."""
        tour = tours_service.get_tour(session, tour_id)
        act = activity or tour.activity
        req = RouteRequest(
            tour=tour.id,
            activity=act,
            pace=pace or (tour.pace if act == "run" else None),
            pace_min_per_km=pace_min_per_km,
            title=tour.name,
            workout={"level": workout} if workout else None,
            song_s=song_s,
            step_free=step_free,
            language=language,
        )
        return self._planned(session, engine, settings, tour, req, version, slots, charge)

    @staticmethod
    def serves(req: RouteRequest) -> bool:
        """Whether a POSTed route request is a tour as ready-made (its own stops in film order, no start, loop
        or start time: then only the activity, pace, workout, song, step-free and language vary) and can be
        answered from this cache."""
        return bool(
            req.tour
            and not req.stops
            and req.start is None
            and req.order == "as_filmed"
            and not req.return_to_start
            and req.loop_km is None
            and req.finish_at is None
            and req.first_steps is None
            and req.start_time is None
            and req.start_at_dawn is None
        )

    def for_request(
        self,
        session: Session,
        engine: RoutingEngine,
        settings: Settings,
        req: RouteRequest,
        *,
        version: str,
        slots: AbstractContextManager[Any] | None = None,
    ) -> RouteDocument:
        """The route document a POST of ``req`` (see ``serves``) gets: the same as planning it afresh.
        ``slots`` (the planning slots) is held only when the plan is not cached yet."""
        tour = tours_service.get_tour(session, req.tour or "", field="tour")
        return self._planned(session, engine, settings, tour, req, version, slots)

    def _planned(
        self,
        session: Session,
        engine: RoutingEngine,
        settings: Settings,
        tour: tours_service.Tour,
        req: RouteRequest,
        version: str,
        slots: AbstractContextManager[Any] | None = None,
        charge: Callable[[int], None] | None = None,
    ) -> RouteDocument:
        act, step_free = req.activity, req.step_free
        lang = narrative_language(req.language)
        default = act == tour.activity and not step_free and lang == narrative_language(None)
        key = (tour.id, version) if default else (tour.id, act, version, step_free, lang)
        with self._lock:
            found = self._defaults.get(key) if default else self._plans.get(key)
            if found is not None and not default:
                self._plans.move_to_end(key)
        if isinstance(found, Exception):
            raise found.with_traceback(None)
        fc = found
        if fc is None:
            base = RouteRequest(
                tour=tour.id,
                activity=act,
                pace_min_per_km=default_pace(act),
                title=tour.name,
                step_free=step_free,
                language=lang,
            )
            if charge is not None and not default:
                charge(routes_service.cost(base))  # before the slot: a refusal costs no planning
            try:
                with slots or nullcontext():
                    fc = routes_service.plan_document(session, base, engine, settings)  # outside the lock
            except (InvalidParameter, Unroutable) as exc:  # not ServiceUnavailable: that passes
                if default:
                    self._keep_default(key, exc)
                raise
            if default:
                self._keep_default(key, fc)
            else:
                with self._lock:
                    self._plans[key] = fc
                    while len(self._plans) > self.size:
                        self._plans.popitem(last=False)
        wanted = req.effective_pace()
        doc = fc if wanted == fc["properties"]["pace_min_per_km"] else route_document.retime(fc, wanted)
        # The workout and song cue depend on the pace: added after re-timing, to a copy (the cache keeps none).
        out = routes_service.with_extras(doc, req, in_place=doc is not fc)  # a re-timed doc is already a copy
        return route_document.with_id(route_document.titled(out, req.title), tour.id)

    def _keep_default(self, key: tuple, plan: RouteDocument | InvalidParameter | Unroutable) -> None:
        """Keep a default plan (or why there is none) for the current dataset version; another version's are
        stale and dropped, so there is at most one per tour."""
        with self._lock:
            for old in [k for k in self._defaults if k[1] != key[1]]:
                del self._defaults[old]
            self._defaults[key] = plan
