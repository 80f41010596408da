"""Per-client, cost-weighted rate limits shared by every process and replica, and the client key they use.

The counting strategy is the ``limits`` library's fixed window; its counters live in a SQL table
(``SQLStorage`` below), so every worker and every replica sees the same numbers:
- PostgreSQL: the application's own database (one upsert per limited request; the table is created by
  migration 0002). Replicas share it, so N replicas allow the same rate as one.
- SQLite (single node): a separate ``ratelimit.db`` beside the database file, WAL and ``synchronous=OFF``:
  counters are disposable, and keeping them out of the main file keeps its write lock free for user data.
Each client's window expires on its own (fixed windows per key, expired rows swept a few at a time), so
nothing ever resets everyone at once, and a spray of addresses costs one small row per key and window.

The key is the real peer address, unless the peer is a configured trusted proxy: then the rightmost address
in ``X-Forwarded-For`` that is not itself a trusted proxy. Keys always parse as IP addresses; IPv6 clients are
grouped by /64 (one subscriber usually holds a whole /64)."""

from __future__ import annotations

import ipaddress
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Literal, Self

from limits import RateLimitItem, RateLimitItemPerHour, RateLimitItemPerMinute
from limits.storage import Storage
from limits.strategies import FixedWindowRateLimiter
from sqlalchemy import Column, Float, Integer, MetaData, String, Table, create_engine, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.schema import CreateTable

from app.core.exceptions import ServiceUnavailable, TooManyRequests
from app.core.files import file_lock

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
UNKNOWN_CLIENT = "0.0.0.0"  # a peer that is not an IP address (a unix socket, a test client) shares one key

metadata = MetaData()
rate_limit_table = Table(
    "rate_limit",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("hits", Integer, nullable=False),
    Column("expires_at", Float, nullable=False, index=True),
)

_INCR = text(
    "INSERT INTO rate_limit (key, hits, expires_at) VALUES (:key, :amount, :now + :expiry) "
    "ON CONFLICT (key) DO UPDATE SET "
    "hits = CASE WHEN rate_limit.expires_at <= :now THEN :amount ELSE rate_limit.hits + :amount END, "
    "expires_at = CASE WHEN rate_limit.expires_at <= :now THEN :now + :expiry "
    "ELSE rate_limit.expires_at END "
    "RETURNING hits"
)
_SWEEP_EVERY_S = 30.0


class SQLStorage(Storage):
    """A ``limits`` storage on one SQL table (SQLite ≥ 3.35 or PostgreSQL: both speak ON CONFLICT ... RETURNING)."""

    STORAGE_SCHEME = ["filmtour+sql"]  # noqa: RUF012  (limits declares it an instance attribute; mypy refuses ClassVar)

    def __init__(self, engine: Engine) -> None:
        super().__init__()
        self.engine = engine
        self._last_sweep = 0.0

    @property
    def base_exceptions(self) -> type[Exception]:
        return SQLAlchemyError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        with self.engine.begin() as conn:
            hits = conn.execute(
                _INCR, {"key": key, "amount": amount, "now": now, "expiry": expiry}
            ).scalar_one()
            if now - self._last_sweep > _SWEEP_EVERY_S:
                self._last_sweep = now
                conn.execute(text("DELETE FROM rate_limit WHERE expires_at < :now"), {"now": now - 60})
        return int(hits)

    def _row(self, key: str) -> tuple[int, float] | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                text("SELECT hits, expires_at FROM rate_limit WHERE key = :key"), {"key": key}
            ).first()
        if row is None or row[1] <= time.time():
            return None
        return int(row[0]), float(row[1])

    def get(self, key: str) -> int:
        row = self._row(key)
        return row[0] if row else 0

    def get_expiry(self, key: str) -> float:
        row = self._row(key)
        return row[1] if row else time.time()

    def check(self) -> bool:
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            return True
        except SQLAlchemyError:
            return False

    def reset(self) -> int | None:
        raise NotImplementedError("limits are never reset for everyone at once")

    def clear(self, key: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(text("DELETE FROM rate_limit WHERE key = :key"), {"key": key})


def sqlite_counter_engine(path: Path) -> Engine:
    """The single-node counter store: its own SQLite file, shared by the workers of this machine."""
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        f"sqlite:///{path}", connect_args={"check_same_thread": False, "timeout": 10}, hide_parameters=True
    )

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn, _record) -> None:
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=OFF")
        cur.execute("PRAGMA busy_timeout=10000")
        cur.close()

    # Workers start together on a fresh data directory, and a worker that fails to start makes uvicorn stop the
    # whole server. One at a time: the first connection turns the new file to WAL, which another process's
    # connection at that moment can meet as "database is locked" at once (no busy wait). IF NOT EXISTS in the
    # statement itself, as create_all's check-then-CREATE let the second fail ("table rate_limit already
    # exists") before the lock was there.
    with file_lock(path.with_name(f"{path.name}.create-lock")), engine.begin() as conn:
        conn.execute(CreateTable(rate_limit_table, if_not_exists=True))
    return engine


_PERIODS: dict[str, type[RateLimitItem]] = {"minute": RateLimitItemPerMinute, "hour": RateLimitItemPerHour}


class RateLimiter:
    """``check(client, cost)`` spends ``cost`` units of a per-minute (or per-hour) budget, or raises
    TooManyRequests. ``per_minute`` is the budget per ``period`` (the name kept from when it was minutes only)."""

    def __init__(
        self,
        name: str,
        per_minute: int,
        storage: Storage | None,
        period: Literal["minute", "hour"] = "minute",
    ) -> None:
        self.name = name
        self.per_minute = per_minute
        self.period = period
        self.item = _PERIODS[period](max(per_minute, 1), namespace=name)
        self.strategy = FixedWindowRateLimiter(storage) if storage is not None and per_minute > 0 else None

    def check(self, client: str, what: str, cost: int = 1) -> None:
        if self.strategy is None:
            return
        if not self.strategy.hit(self.item, client, cost=cost):
            reset_at = self.strategy.get_window_stats(self.item, client).reset_time
            retry = max(1, int(reset_at - time.time()) + 1)
            raise TooManyRequests(
                f"at most {self.per_minute} {what} a{'n' if self.period == 'hour' else ''} {self.period} per "
                f"client (this one counts {cost}); "
                f"retry in {retry} s",
                retry_after_s=retry,
            )


def parse_networks(spec: Iterable[str]) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(s.strip(), strict=False) for s in spec if s.strip())


def _ip(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # [v6]:port
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # v4:port
        value = value.split(":", 1)[0]
    try:
        ip = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        return ip.ipv4_mapped
    return ip


def _is_trusted(ip, trusted: tuple[IPNetwork, ...]) -> bool:
    return any(ip.version == net.version and ip in net for net in trusted)


def key_for_ip(ip) -> str:
    if isinstance(ip, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


def storage_key(client: str) -> str:
    """The key saving is limited by: the client key, with IPv6 widened from /64 to /48 (a site's usual
    assignment), so rotating through one's own /64s does not multiply the allowance."""
    if ":" not in client:
        return client
    return str(ipaddress.IPv6Network(client, strict=False).supernet(new_prefix=48))


def client_ip(peer: str | None, forwarded_for: list[str], trusted: tuple[IPNetwork, ...]):
    """The address to hold responsible: the peer, or behind trusted proxies the rightmost untrusted hop."""
    ip = _ip(peer) if peer else None
    if ip is None:
        return None
    if not _is_trusted(ip, trusted):
        return ip
    hops = [h for header in forwarded_for for h in header.split(",")]
    for hop in reversed(hops):
        hop_ip = _ip(hop)
        if hop_ip is None:
            return ip  # garbage where an address should be: blame the last proxy that passed it on
        if not _is_trusted(hop_ip, trusted):
            return hop_ip
        ip = hop_ip
    return ip


def client_key_of(peer: str | None, forwarded_for: list[str], trusted: tuple[IPNetwork, ...]) -> str:
    ip = client_ip(peer, forwarded_for, trusted)
    return key_for_ip(ip) if ip is not None else UNKNOWN_CLIENT


class PlanningSlots:
    """A per-process cap on concurrent route planning: waits briefly for a slot, then 503 + Retry-After."""

    def __init__(self, slots: int, wait_s: float) -> None:
        self.slots = slots
        self.wait_s = wait_s
        self._sem = threading.BoundedSemaphore(max(slots, 1))

    def __enter__(self) -> Self:
        if not self._sem.acquire(timeout=self.wait_s):
            raise ServiceUnavailable(
                f"all {self.slots} route-planning slots of this server are busy; retry shortly",
                retry_after_s=2,
            )
        return self

    def __exit__(self, *exc) -> None:
        self._sem.release()
