"""Saved routes: stored in one transaction with a delete token shown once, read back (a read keeps a route
from expiring), deleted with the token, and kept within bounds (a global budget with the routes read longest ago
making room, the retention of unread ones; the per-client rate is app.core.ratelimit's). See
docs/saved-routes-quota.md."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, insert, update
from sqlalchemy import delete as sql_delete
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session, col, func, select

from app.core.config import Settings
from app.core.exceptions import Forbidden, NotFound
from app.core.geo import coarse
from app.db.models import SavedRoute, utcnow
from app.schemas.route_document import RouteDocument
from app.schemas.routes import AddressIn, RouteRequest
from app.services import route_document

log = logging.getLogger(__name__)

# --- saving and reading ------------------------------------------------------------------------------------


def new_route_id() -> str:
    return secrets.token_urlsafe(12)  # 96 random bits


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# Parameters bound at execution, so SQLAlchemy compiles this statement once (a .values() copy is re-keyed each time).
INSERT_ROUTE = insert(SavedRoute.__table__)  # type: ignore[attr-defined]


def save(
    session: Session,
    req: RouteRequest,
    fc: RouteDocument,
    client: str | None = None,
    *,
    client_key: bytes = b"",
) -> tuple[str, RouteDocument, str]:
    """Store the route in one transaction; returns its id, the stored document and the delete token (shown
    once, stored hashed). ``client`` (the rate-limit key) is kept as an HMAC under the deployment's
    ``client_key`` (app.core.keyfile), so an operator can find one abuser's routes, and a dump of the table
    cannot be reversed to addresses. The caller answers from these, not from the row: reading the row's
    attributes after the commit would load it again."""
    token = secrets.token_urlsafe(24)
    request_doc = req.model_dump(mode="json", exclude_none=True)
    if isinstance(req.start, AddressIn):
        request_doc["start"] = {"address": "(geocoded; not stored)"}
    elif req.start is not None:
        request_doc["start"]["lat"], request_doc["start"]["lon"] = coarse(req.start.lat, req.start.lon)
    now = utcnow()
    for _ in range(3):  # a collision of 96 random bits will not happen; a retry costs nothing to write
        route_id = new_route_id()
        fc_saved = route_document.with_id(fc, route_id)
        row = {
            "id": route_id,
            "created_at": now,
            "last_viewed_at": now,
            "tour_id": req.tour,
            "distance_m": fc["properties"]["distance_m"],
            "duration_s": fc["properties"]["duration_s"],
            "request": request_doc,
            "result": fc_saved,
            "delete_token_hash": hash_token(token),
            "client_hash": client_hash(client, client_key) if client else None,
        }
        try:
            # One Core INSERT on the session's connection: the ORM's unit of work (identity map, flush, refresh)
            # cost ~1 ms for one row, and Session.execute's ORM layers a third of what is left.
            session.connection().execute(INSERT_ROUTE, row)
            session.commit()
        except IntegrityError:
            session.rollback()
            continue
        return route_id, fc_saved, token
    raise RuntimeError("could not allocate a route id")


def load(session: Session, route_id: str, *, viewed: bool = True) -> SavedRoute:
    """The saved route; ``viewed``: a read that keeps it from expiring (see mark_viewed)."""
    row = session.get(SavedRoute, route_id) if len(route_id) <= 40 else None
    if row is None:
        raise NotFound(f"no saved route with id {route_id!r}", field="route_id")
    if viewed:
        mark_viewed(session, row)
    return row


def load_document(session: Session, route_id: str, *, viewed: bool = True) -> RouteDocument:
    """The saved route's document in the current format (a version 1 document is upgraded as it is read)."""
    return route_document.upgrade(load(session, route_id, viewed=viewed).result)


# --- bounded storage: a rate of saves per client, a global budget, the retention of unread routes ----------

VIEW_WRITE_EVERY = timedelta(days=1)  # a read is written down at most this often per route


def client_hash(client: str, key: bytes) -> str:
    """HMAC-SHA-256 of the client key: an unsalted hash of an IPv4 address is reversed in minutes."""
    return hmac.new(key, client.encode(), hashlib.sha256).hexdigest()


# Compiled once (SQLAlchemy caches it), run on the session's connection: through Session.exec and SQLModel's
# select, the count cost ~0.4 ms of each save in a server after a long route (the ORM's layers, caches cold).
COUNT_ROUTES = select(func.count()).select_from(SavedRoute.__table__)  # type: ignore[attr-defined]


def make_room(session: Session, settings: Settings) -> int:
    """Keep the saved routes within ``max_saved_routes`` (0: no budget): when one more would pass it, delete
    the routes read longest ago. Returns how many were deleted. Called before each save; nobody is refused."""
    budget = settings.max_saved_routes
    if not budget:
        return 0
    held = session.connection().execute(COUNT_ROUTES).scalar_one()
    excess = held - budget + 1
    if excess <= 0:
        return 0
    oldest = select(SavedRoute.id).order_by(col(SavedRoute.last_viewed_at)).limit(excess)
    gone = session.connection().execute(sql_delete(SavedRoute).where(col(SavedRoute.id).in_(oldest))).rowcount
    session.commit()
    log.info("storage budget of %d saved routes reached: deleted the %d read longest ago", budget, gone)
    return int(gone or 0)


def _aware(t: datetime) -> datetime:
    return t if t.tzinfo else t.replace(tzinfo=UTC)  # SQLite hands back naive UTC


def mark_viewed(session: Session, row: SavedRoute) -> None:
    """Note that the route was read, at most once a day (a read costs no write otherwise). A failing write (a
    full disk) is logged and the read still succeeds."""
    now = utcnow()
    if now - _aware(row.last_viewed_at) < VIEW_WRITE_EVERY:
        return
    try:
        session.connection().execute(
            update(SavedRoute).where(col(SavedRoute.id) == row.id).values(last_viewed_at=now)
        )
        session.commit()
    except OperationalError as exc:
        session.rollback()
        log.warning("could not note a read of a saved route: %s", type(exc.orig).__name__)


def prune(session: Session, retention_days: int, now: datetime | None = None) -> int:
    """Delete the saved routes nobody has read for ``retention_days`` days (0: none); returns how many."""
    if retention_days <= 0:
        return 0
    cutoff = (now or utcnow()) - timedelta(days=retention_days)
    gone = (
        session.connection()
        .execute(sql_delete(SavedRoute).where(col(SavedRoute.last_viewed_at) < cutoff))
        .rowcount
    )
    session.commit()
    return int(gone or 0)


def prune_saved_routes(settings: Settings, engine: Engine) -> int:
    """Delete the saved routes unread for ``saved_route_retention_days``; logs and returns how many."""
    with Session(engine) as session:
        gone = prune(session, settings.saved_route_retention_days)
    if gone:
        log.info("pruned %d saved routes unread for %d days", gone, settings.saved_route_retention_days)
    return gone


def delete(session: Session, route_id: str, token: str | None) -> None:
    row = load(session, route_id, viewed=False)
    if not token or not hmac.compare_digest(hash_token(token), row.delete_token_hash):
        raise Forbidden(
            "a valid delete token is needed (returned when the route was created)", field="X-Delete-Token"
        )
    session.delete(row)
    session.commit()
