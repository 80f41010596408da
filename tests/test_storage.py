"""Bounded storage: a rate of saves per client, a global budget (oldest-unread evicted), the saver as a keyed hash, unread routes expire (start-up, hourly, `filmtour db
prune`), a read keeps a route alive, and a full disk (a real, small tmpfs under a real server process) gives 507
problem+json while reads go on and /readyz says 503 until space is freed."""

from __future__ import annotations

import os
import sqlite3
import subprocess
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlmodel import Session, select
from typer.testing import CliRunner

from app.api.state import app_state
from app.cli import cli
from app.core.config import get_settings
from app.db.models import SavedRoute, utcnow
from app.main import create_app
from tests.conftest import REAL_LOCATIONS, SHARED_TILES, make_settings
from tests.support.live import live_app

PROBLEM = "application/problem+json"
A_TO_B = {"stops": ["italian-market", "art-museum-steps"]}


def _ids(engine) -> set[str]:
    with Session(engine) as s:
        return set(s.exec(select(SavedRoute.id)).all())


def _age(engine, route_id: str, days: float) -> None:
    with Session(engine) as s:
        s.connection().execute(
            update(SavedRoute)
            .where(SavedRoute.id == route_id)
            .values(last_viewed_at=utcnow() - timedelta(days=days))
        )
        s.commit()


def test_saving_is_a_rate_per_client_not_a_holding_so_nobody_is_locked_out_for_long(tmp_path):
    """One client (here everyone behind one address) may save N routes an hour; the next gets 429 with a
    Retry-After within the hour, and nothing is saved. What a client already holds never blocks it (the old
    quota counted routes held: one person could lock a shared address out for a year)."""
    s = make_settings(tmp_path, saved_routes_per_client_per_hour=2, rate_limit_routes_per_minute=0)
    with TestClient(create_app(s)) as c:
        made = [c.post("/api/v1/routes", json=A_TO_B) for _ in range(2)]
        assert [r.status_code for r in made] == [201, 201]
        before = _ids(app_state(c.app).db_engine)
        r = c.post("/api/v1/routes", json=A_TO_B)
        assert r.status_code == 429 and r.headers["content-type"].startswith(PROBLEM)
        assert 1 <= int(r.headers["retry-after"]) <= 3600 and "2 saved routes an hour" in r.json()["detail"]
        assert _ids(app_state(c.app).db_engine) == before  # nothing saved
        # The window is the limits library's fixed hour: once it has passed, saving works again.
        limiter = app_state(c.app).save_limiter
        limiter.strategy.storage.clear(limiter.item.key_for("0.0.0.0"))
        assert c.post("/api/v1/routes", json=A_TO_B).status_code == 201


def test_a_plan_that_is_not_saved_uses_none_of_the_hours_saves(tmp_path):
    """save: false plans and stores nothing, so it never counts against (nor is refused by) the save quota."""
    s = make_settings(tmp_path, saved_routes_per_client_per_hour=1, rate_limit_routes_per_minute=0)
    with TestClient(create_app(s)) as c:
        plans = [c.post("/api/v1/routes", json={**A_TO_B, "save": False}) for _ in range(3)]
        assert [r.status_code for r in plans] == [200, 200, 200]
        assert _ids(app_state(c.app).db_engine) == set()
        assert c.post("/api/v1/routes", json=A_TO_B).status_code == 201  # the hour's one save is still there
        assert c.post("/api/v1/routes", json=A_TO_B).status_code == 429
        assert (
            c.post("/api/v1/routes", json={**A_TO_B, "save": False}).status_code == 200
        )  # planning still works


def test_the_storage_budget_deletes_the_routes_read_longest_ago(tmp_path):
    s = make_settings(tmp_path, max_saved_routes=3, rate_limit_routes_per_minute=0)
    with TestClient(create_app(s)) as c:
        engine = app_state(c.app).db_engine
        ids = [c.post("/api/v1/routes", json=A_TO_B).json()["id"] for _ in range(3)]
        for days, rid in zip((10, 30, 20), ids, strict=True):
            _age(engine, rid, days)
        newest = c.post("/api/v1/routes", json=A_TO_B)
        assert newest.status_code == 201  # never refused
        assert _ids(engine) == {ids[0], ids[2], newest.json()["id"]}  # the one unread for 30 days went


def test_the_saver_is_stored_as_a_keyed_hash(tmp_path):
    from app.core.ratelimit import storage_key
    from app.services.routes import client_hash

    s = make_settings(tmp_path, rate_limit_routes_per_minute=0)
    with TestClient(create_app(s)) as c:
        rid = c.post("/api/v1/routes", json=A_TO_B).json()["id"]
        with Session(app_state(c.app).db_engine) as ses:
            stored = ses.get(SavedRoute, rid).client_hash
    import hashlib

    assert stored != hashlib.sha256(b"filmtour-client:0.0.0.0").hexdigest()  # the old, reversible hash
    key = (tmp_path / "data" / "client-hash.key").read_bytes()
    assert len(key) == 64 and stored == client_hash("0.0.0.0", key)
    assert oct((tmp_path / "data" / "client-hash.key").stat().st_mode & 0o777) == "0o600"
    configured = make_settings(tmp_path / "b", client_hash_secret="deployment-secret")
    from app.core.keyfile import client_hash_key

    assert client_hash_key(configured) == b"deployment-secret"
    assert storage_key("2001:db8:1:2::/64") == "2001:db8:1::/48" and storage_key("192.0.2.1") == "192.0.2.1"


def test_unread_routes_expire_and_a_read_keeps_one(tmp_path, monkeypatch):
    s = make_settings(tmp_path, saved_route_retention_days=30, rate_limit_routes_per_minute=0)
    with TestClient(create_app(s)) as c:
        engine = app_state(c.app).db_engine
        old, read, fresh = (c.post("/api/v1/routes", json=A_TO_B).json()["id"] for _ in range(3))
        _age(engine, old, 31)
        _age(engine, read, 31)
        assert c.get(f"/routes/{read}/map").status_code == 200  # a read (the map page) renews it
        with Session(engine) as ses:
            seen = ses.get(SavedRoute, read).last_viewed_at
        assert utcnow() - (seen if seen.tzinfo else seen.replace(tzinfo=utcnow().tzinfo)) < timedelta(
            minutes=1
        )
    # the next start-up prunes what is past its retention
    with TestClient(create_app(s)) as c:
        assert _ids(app_state(c.app).db_engine) == {read, fresh}
        assert c.get(f"/api/v1/routes/{old}").status_code == 404
        _age(app_state(c.app).db_engine, fresh, 10)
    # and so does the command, with its own period
    monkeypatch.setenv("FILMTOUR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("FILMTOUR_VALHALLA_TILES_DIR", str(SHARED_TILES))
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli, ["db", "prune", "--days", "5"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert "1 saved routes deleted (unread for 5 days)" in result.output
    from app.db.session import make_engine

    assert _ids(make_engine(s)) == {read}


def test_retention_zero_keeps_everything(tmp_path):
    s = make_settings(tmp_path, saved_route_retention_days=0, rate_limit_routes_per_minute=0)
    with TestClient(create_app(s)) as c:
        rid = c.post("/api/v1/routes", json=A_TO_B).json()["id"]
        _age(app_state(c.app).db_engine, rid, 10_000)
    with TestClient(create_app(s)) as c:
        assert c.get(f"/api/v1/routes/{rid}").status_code == 200


@pytest.fixture
def small_disk(tmp_path):
    """A real 24 MB filesystem (tmpfs): needs root (CI and this machine run tests as root)."""
    mnt = tmp_path / "disk"
    mnt.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", str(mnt)], check=False, capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def _fill(disk: Path) -> Path:
    """Take every free block of the disk (unbuffered writes until ENOSPC, the last ones small)."""
    filler = disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        for size in (1 << 20, 4096, 512):
            try:
                while True:
                    os.write(fd, b"\0" * size)
            except OSError:
                pass
    finally:
        os.close(fd)
    return filler


@pytest.mark.slow
def test_a_full_disk_gives_507_reads_go_on_and_readyz_fails(small_disk, tmp_path):
    data = small_disk / "data"
    env = {
        "FILMTOUR_DATA_DIR": str(data),
        "FILMTOUR_LOCATIONS_FILE": str(REAL_LOCATIONS),
        "FILMTOUR_VALHALLA_TILES_DIR": str(SHARED_TILES),
        "FILMTOUR_BUILD_TILES_ON_STARTUP": "false",
        "FILMTOUR_LOG_LEVEL": "warning",
    }
    with live_app(env, tmp_path) as app, httpx.Client(base_url=app.url, timeout=30) as c:
        saved = c.post("/api/v1/routes", json=A_TO_B)
        assert saved.status_code == 201, saved.text
        # the write-ahead logs emptied (as after a quiet spell), so the next write needs new room on the disk
        for db in ("filmtour.db", "ratelimit.db"):
            with sqlite3.connect(data / db) as conn:
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        filler = _fill(small_disk)
        assert os.statvfs(small_disk).f_bavail == 0
        full = c.post("/api/v1/routes", json=A_TO_B)
        assert full.status_code in (503, 507), full.text  # 507 when SQLite says SQLITE_FULL
        assert full.status_code == 507, full.text
        assert full.headers["content-type"].startswith(PROBLEM)
        assert full.json()["type"].endswith("storage-full")
        assert c.get(f"/api/v1/routes/{saved.json()['id']}").status_code == 200  # reading still works
        assert c.get("/api/v1/locations").status_code == 200
        assert c.get("/healthz").status_code == 200
        ready = c.get("/readyz")
        assert ready.status_code == 503 and ready.headers["content-type"].startswith(PROBLEM)
        filler.unlink()
        assert c.get("/readyz").status_code == 200
        assert c.post("/api/v1/routes", json=A_TO_B).status_code == 201
    log = next(tmp_path.glob("server-*.log")).read_text()
    assert "Traceback" not in log and "disk is full" in log


def _sqlite_error(name: str) -> sqlite3.OperationalError:
    exc = sqlite3.OperationalError(name)
    exc.sqlite_errorname = name
    return exc


class _PgError(Exception):
    sqlstate = "53100"  # psycopg's DiskFull


@pytest.mark.parametrize(
    ("exc", "status"),
    [
        (_sqlite_error("SQLITE_FULL"), 507),
        (_PgError("could not extend file"), 507),
        (OSError(28, "No space left on device"), 507),
        (_sqlite_error("SQLITE_IOERR_WRITE"), 503),  # what a file-size limit (EFBIG) gives SQLite
        (_sqlite_error("SQLITE_BUSY"), None),
        (ValueError("a bug"), None),
    ],
)
def test_storage_errors_are_found_in_the_chain(exc, status):
    from sqlalchemy.exc import OperationalError

    from app.core.errors import status_for, storage_problem

    wrapped = OperationalError("INSERT ...", {}, exc)  # as SQLAlchemy raises it
    found = storage_problem(wrapped)
    assert (status_for(found)[0] if found else None) == status
