"""Run Alembic migrations programmatically: at start-up, from the CLI and in tests."""

from __future__ import annotations

import ast
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

from app.core.exceptions import ServiceUnavailable
from app.core.files import file_lock

if TYPE_CHECKING:
    from alembic.config import Config

# Alembic (≈ 0.6 s to import, with Mako and Pygments) is imported only when a migration runs: a start that
# finds the schema at head reads the version row with plain SQL and the head from the migration files.

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
    with file_lock(Path(f"{database}.startup-lock")):
        yield


def alembic_config(url: str | None = None) -> Config:
    from alembic.config import Config

    cfg = Config(stdout=sys.stdout)  # today's stdout: Config's default is whatever it was when first imported
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url:
        # ConfigParser interpolation: a literal % in a password must be doubled.
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade_to_head(engine: Engine) -> None:
    """Bring the schema to the newest revision inside one transaction (PostgreSQL DDL is transactional)."""
    from alembic import command

    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def current_revision(engine: Engine) -> str | None:
    """The database's revision (the one row of alembic_version), None before the first migration."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def head_revision() -> str | None:
    """The newest revision of the migration files: the one no other revises, read from each file's
    ``revision``/``down_revision`` assignments (ast, no import of Alembic or of the migrations)."""
    revises: dict[str, set[str]] = {}
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        values: dict[str, str | list[str] | tuple[str, ...] | None] = {}
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if (
                isinstance(node, ast.Assign)
                and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)
            ) and node.targets[0].id in ("revision", "down_revision"):
                values[node.targets[0].id] = ast.literal_eval(node.value)
        if isinstance(values.get("revision"), str):
            down = values.get("down_revision")
            revises[str(values["revision"])] = set(
                down if isinstance(down, (tuple, list)) else [down] if isinstance(down, str) else []
            )
    revised = set().union(*revises.values()) if revises else set()
    heads = [r for r in revises if r not in revised]
    if len(heads) != 1:
        raise RuntimeError(f"the migrations have {len(heads)} heads: {sorted(heads)}")
    return heads[0]
