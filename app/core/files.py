"""File helpers shared by the routing-tile and basemap builds and the stores made at start: content hashes,
cross-process locks, and the progress callback type the CLI feeds a Rich progress bar with."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

# Reports progress as (description, completed, total).
ProgressFn = Callable[[str, int, int], None]


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """Held by one process at a time (uvicorn workers, a CLI) while the block runs: an flock on ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def build_lock(directory: Path) -> contextlib.AbstractContextManager[None]:
    """One build at a time in ``directory`` across processes."""
    return file_lock(directory / ".build.lock")
