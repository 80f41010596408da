"""Run Alembic migrations programmatically: at start-up, from the CLI and in tests."""

from __future__ import annotations

import fcntl
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.engine import Engine

from app.core.exceptions import ServiceUnavailable

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
STARTUP_LOCK_KEY = 0x66696C6D  # "film": the PostgreSQL advisory-lock key for start-up work
STARTUP_LOCK_WAIT_S = 120.0  # a migration and a dataset load take seconds; waiting longer means one is stuck


@contextmanager
def startup_lock(engine: Engine) -> Iterator[None]:
    """Held while a process migrates and loads the dataset, so replicas starting together take turns: a
    PostgreSQL session advisory lock (every replica on the same server), or for SQLite an flock on a file
    beside the database (every worker on the node)."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            # Bounded: a replica stuck holding the lock (or a migration waiting on a table lock) must not keep
            # the others starting for ever; they give up, exit non-zero and their supervisor restarts them.
            deadline = time.monotonic() + STARTUP_LOCK_WAIT_S
            while not conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": STARTUP_LOCK_KEY}).scalar():
                conn.commit()
                if time.monotonic() > deadline:
                    raise ServiceUnavailable(
                        f"another process has held the start-up lock for over {STARTUP_LOCK_WAIT_S:.0f} s",
                        retry_after_s=30,
                    )
                time.sleep(0.2)
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": STARTUP_LOCK_KEY})
                conn.commit()
        return
    database = engine.url.database
    if not database or database == ":memory:":
        yield
        return
    with open(f"{database}.startup-lock", "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def alembic_config(url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url:
        # ConfigParser interpolation: a literal % in a password must be doubled.
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade_to_head(engine: Engine) -> None:
    """Bring the schema to the newest revision inside one transaction (PostgreSQL DDL is transactional)."""
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def current_revision(engine: Engine) -> str | None:

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()
