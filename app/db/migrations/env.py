"""Alembic environment: the URL comes from filmtour's settings (or the caller's Config), never from alembic.ini."""

from __future__ import annotations

from alembic import context
from sqlalchemy import engine_from_config, pool
from sqlmodel import SQLModel

from app.core import ratelimit
from app.core.config import get_settings
from app.db import models  # noqa: F401  (registers the tables on SQLModel.metadata)

config = context.config
# The rate-limit counters have their own MetaData (app.core.ratelimit); both are compared by `alembic check`.
target_metadata = [SQLModel.metadata, ratelimit.metadata]


def _url() -> str:
    return config.get_main_option("sqlalchemy.url") or get_settings().effective_database_url


def run_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = engine_from_config({"sqlalchemy.url": _url()}, prefix="sqlalchemy.", poolclass=pool.NullPool)
    with engine.connect() as conn:
        _run(conn)


def _include_object(obj, name, type_, reflected, compare_to) -> bool:
    """The full-text search objects are made by raw SQL in 0003 (FTS5 and its shadow tables, a GIN expression
    index) and have no SQLAlchemy model, so autogenerate and ``alembic check`` leave them out."""
    return not (name or "").startswith(("location_fts", "ix_location_fts"))


def _run(connection) -> None:
    # render_as_batch lets later migrations ALTER tables on SQLite too (it rebuilds them, keeping rows).
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        include_object=_include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
