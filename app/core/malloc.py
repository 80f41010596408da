"""How many heaps (arenas) the C allocator keeps, for a server process. glibc gives a thread its own arena when
another thread holds the one it would use, up to 8 per CPU, and each keeps the memory it freed: a server whose
thread pool, routing threads and geocoder build all allocate ends up holding freed memory in many heaps. Two
arenas keep a worker's resident memory ~25 MB lower with the same throughput (docs/performance.md)."""

from __future__ import annotations

import ctypes
import os

DEFAULT_ARENAS = 2
_M_ARENA_MAX = -8  # glibc's malloc.h


def limit_malloc_arenas(default: int = DEFAULT_ARENAS) -> int | None:
    """Cap glibc's arenas for this process from now on, and for the worker processes it starts (they read
    ``MALLOC_ARENA_MAX`` when they start). An operator's own ``MALLOC_ARENA_MAX`` wins. Returns the cap, or
    None where the C library is not glibc (nothing is changed there but the variable)."""
    arenas = int(os.environ.setdefault("MALLOC_ARENA_MAX", str(default)))
    try:
        libc = ctypes.CDLL("libc.so.6")
        return arenas if libc.mallopt(_M_ARENA_MAX, arenas) == 1 else None
    except (OSError, AttributeError):  # musl or another libc: no such call
        return None


__all__ = ["DEFAULT_ARENAS", "limit_malloc_arenas"]
