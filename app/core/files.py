"""File helpers shared by the routing-tile and basemap builds: content hashes, a cross-process build lock,
and the progress callback type the CLI feeds a Rich progress bar with."""

from __future__ import annotations

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
def build_lock(directory: Path) -> Iterator[None]:
    """One build at a time in ``directory`` across processes (uvicorn workers, a CLI)."""
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / ".build.lock").open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
