"""Engine and session factory. SQLite gets WAL and a busy timeout so several uvicorn workers can share the file."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from sqlalchemy import event, text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import create_engine

from app.core import jsontext
from app.core.config import Settings
from app.core.exceptions import ServiceUnavailable


def _json_text(value: object) -> str:
    return jsontext.dumps(value).decode()


# JSON columns (a saved route's document) written and read through orjson (app.core.jsontext).
JSON_CODEC = {"json_serializer": _json_text, "json_deserializer": jsontext.loads}


def make_engine(settings: Settings) -> Engine:
    url = make_url(settings.effective_database_url)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, hide_parameters=True, **JSON_CODEC
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=5,
        max_overflow=10,
        connect_args={"connect_timeout": 5},
        hide_parameters=True,  # errors and logs never carry bound values (an address, a route, a token hash)
        **JSON_CODEC,
    )


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def check_database(engine: Engine) -> None:
    """Raise ServiceUnavailable when the database cannot answer a trivial query."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # the driver's own errors differ between SQLite and psycopg
        raise ServiceUnavailable(f"database unreachable: {type(exc).__name__}", retry_after_s=10) from exc


MIN_FREE_BYTES = 1024 * 1024  # readiness: a SQLite database needs at least this much room left on its disk


class Readiness:
    """/readyz's check: the database answers and has room (every call), and a committed write succeeds (at
    most every ``write_every_s``: a public or busy probe must not turn into a stream of writes and dead
    tuples; a success is reused that long, a failure never)."""

    def __init__(self, engine: Engine, write_every_s: float = 5.0) -> None:
        self.engine = engine
        self.write_every_s = write_every_s
        self._written_at = float("-inf")

    def check(self) -> None:
        write = time.monotonic() - self._written_at >= self.write_every_s
        check_writable(self.engine, write=write)
        if write:
            self._written_at = time.monotonic()


def check_writable(engine: Engine, *, write: bool = True) -> None:
    """Raise ServiceUnavailable when the database cannot be written: a committed no-op write (the Alembic version
    row set to itself: a real write, on every backend, of a table that always exists; skipped when not
    ``write``) and, for SQLite, room left on the database's disk."""
    check_database(engine)
    database = engine.url.database
    if engine.dialect.name == "sqlite" and database and database != ":memory:":
        free = shutil.disk_usage(Path(database).parent).free
        if free < MIN_FREE_BYTES:
            raise ServiceUnavailable(
                f"the database's disk is full ({free} bytes free): nothing can be saved", retry_after_s=30
            )
    if not write:
        return
    try:
        with engine.begin() as conn:
            if engine.dialect.name == "postgresql":  # a replica migrating holds the row: do not hang on it
                conn.execute(text("SET LOCAL lock_timeout = '2s'"))
            conn.execute(text("UPDATE alembic_version SET version_num = version_num"))
    except Exception as exc:  # the driver's own errors differ between SQLite and psycopg
        raise ServiceUnavailable(
            f"the database cannot be written: {type(exc).__name__}", retry_after_s=30
        ) from exc
