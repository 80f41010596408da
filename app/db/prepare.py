"""Per-deploy database work, done once: migrate to the newest schema and load the dataset (``filmtour db
prepare``, compose's ``prepare`` one-shot, the image's documented init step), and the check every server start
makes instead of doing that work again.

A start finds the database prepared when its schema is at head and, if the server loads the dataset at start
(``load_locations_on_startup``), the dataset files are those last loaded into this database: a stamp in the data
directory (``prepared.json``: the files' digest, the database's address without its password, the revision).
Then the start writes nothing: it reads the Alembic version row and hashes three small files. Otherwise it takes
the start-up lock, looks again (another worker or replica may have done it meanwhile) and does the work.

Replicas with their own data directories on one PostgreSQL would each load once; run ``filmtour db prepare``
once per deploy instead and set ``FILMTOUR_LOAD_LOCATIONS_ON_STARTUP=false`` on the servers (docker-compose.yml
does)."""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Engine

from app.core.config import Settings
from app.db.loader import LoadReport, load_dataset
from app.db.migrate import current_revision, head_revision, startup_lock, upgrade_to_head

log = logging.getLogger("filmtour")
STAMP = "prepared.json"


@dataclass(frozen=True)
class Prepared:
    """What a prepare did: nothing (``already``), or migrated and maybe loaded."""

    already: bool
    revision: str | None
    loaded: LoadReport | None = None


def dataset_digest(locations_file: Path) -> str:
    """sha256 over the places file and the films.json and tours.json beside it (those that exist)."""
    h = hashlib.sha256()
    for path in (
        locations_file,
        locations_file.with_name("films.json"),
        locations_file.with_name("tours.json"),
    ):
        if path.exists():
            h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def _database_id(settings: Settings, engine: Engine) -> str:
    """Which database the stamp speaks of: a SQLite file inside the data directory by its name there (the
    stamp lies beside it, and the two move together), any other by its address without the password."""
    database = engine.url.database
    if engine.dialect.name == "sqlite" and database and Path(database).parent == settings.data_dir:
        return f"sqlite:{Path(database).name}"
    where = engine.url.render_as_string(hide_password=True)
    return hashlib.sha256(where.encode()).hexdigest()


def _stamp(settings: Settings, engine: Engine, revision: str | None) -> dict[str, str | None]:
    return {
        "database": _database_id(settings, engine),
        "dataset": dataset_digest(settings.locations_file) if settings.load_locations_on_startup else None,
        "revision": revision,
    }


def is_prepared(settings: Settings, engine: Engine, head: str | None = None) -> bool:
    """The database is at head and (when the server loads the dataset) holds the current dataset files."""
    head = head or head_revision()
    if current_revision(engine) != head:
        return False
    if not settings.load_locations_on_startup:
        return True
    try:
        stamp = json.loads((settings.data_dir / STAMP).read_text())
    except (OSError, ValueError):
        return False
    return stamp == _stamp(settings, engine, head)


def prepare(settings: Settings, engine: Engine, *, load: bool | None = None, force: bool = False) -> Prepared:
    """Migrate and (``load``, default: the setting) load the dataset, unless already done (``force``: do it
    anyway, as ``filmtour db prepare`` does). Replicas and workers take turns on the start-up lock."""
    load = settings.load_locations_on_startup if load is None else load
    head = head_revision()
    if not force and is_prepared(settings, engine, head):
        return Prepared(already=True, revision=head)
    with startup_lock(engine):
        if not force and is_prepared(settings, engine, head):  # done by another process while we waited
            return Prepared(already=True, revision=head)
        upgrade_to_head(engine)
        report = load_dataset(engine, settings.locations_file) if load else None
        if report is not None:
            log.info("locations loaded: %s", report)
        if load or not settings.load_locations_on_startup:
            settings.data_dir.mkdir(parents=True, exist_ok=True)
            stamp = _stamp(settings.model_copy(update={"load_locations_on_startup": load}), engine, head)
            tmp = settings.data_dir / f".{STAMP}.tmp"
            tmp.write_text(json.dumps(stamp))
            tmp.replace(settings.data_dir / STAMP)
    return Prepared(already=False, revision=head, loaded=report)
