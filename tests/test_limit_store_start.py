"""The single-node rate-limit store is created by every worker at start-up, at the same moment on a fresh data
directory, and a worker that fails to start makes uvicorn stop the whole server (tests/test_serve.py). None may
fail: neither for finding the table another worker has just made, nor for meeting the new file while another
turns it to WAL ("database is locked": 3 of 37 runs failed so before the store was made under a lock)."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import sqlalchemy as sa


def _start(path: str, barrier) -> None:
    from app.core.ratelimit import sqlite_counter_engine

    barrier.wait()
    sqlite_counter_engine(Path(path)).dispose()


def test_workers_starting_together_all_create_the_limit_store(tmp_path):
    # Real processes, forked from a server process that imported the store's module once (spawn imported it
    # again in each of the 18: ~4 s); not forked from pytest's own, which has threads running.
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["app.core.ratelimit", __name__])
    for attempt in range(3):
        path = tmp_path / f"run{attempt}" / "ratelimit.db"
        barrier = ctx.Barrier(6)
        workers = [ctx.Process(target=_start, args=(str(path), barrier)) for _ in range(6)]
        for w in workers:
            w.start()
        for w in workers:
            w.join(60)
        assert [w.exitcode for w in workers] == [0] * 6
        engine = sa.create_engine(f"sqlite:///{path}")
        assert sa.inspect(engine).has_table("rate_limit")
        engine.dispose()
