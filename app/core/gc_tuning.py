"""Python's garbage collector set for a server process (docs/route-post-costs.md).

After start-up the process holds ~280,000 tracked objects for good (the dataset, the offline geocoder's index,
SQLAlchemy's and pydantic's tables). Each full collection walked them all: 140 ms of CPU, paid by whichever
request happened to allocate at that moment. ``settle()`` freezes them (``gc.freeze``: moved to a generation
no collection visits; a constant-time splice, and a full collection after start-up found no garbage to free
first) and lets the youngest generation grow to YOUNG_THRESHOLD objects before a pass: a montage POST allocates
some 2,000 tracked objects, so with the default 700 every such request paid ~3 young passes and one in three a
middle one, for garbage that reference counting frees anyway (a route's lists hold no cycles).

``release()`` undoes both when the application stops, so an app started and stopped inside a longer process
(the tests) leaves nothing frozen: frozen objects are never collected, cycles among them included.

``pause_for_start_up()`` (``filmtour serve``, before it imports anything heavy) turns the collector off until
``settle()``: importing the application and its libraries creates those ~280,000 objects, all kept, and the
full passes over the growing heap on the way found next to nothing to free (~1,300 unreachable objects after
the import) for ~0.12 s of a restart's ~0.95 s of CPU (docs/performance.md). What little cyclic garbage the start
leaves is frozen with the rest at ``settle()``."""

from __future__ import annotations

import gc
import threading

YOUNG_THRESHOLD = 10_000  # CPython's default is 700

_lock = threading.Lock()
_settled = 0  # apps running in this process that asked for it
_before: tuple[int, ...] | None = None
_paused = False  # pause_for_start_up() turned the collector off; settle() or release() turns it back on


def pause_for_start_up() -> None:
    """No collections until ``settle()``: what a server's start creates is kept, so passes over it are waste."""
    global _paused
    with _lock:
        if gc.isenabled():
            gc.disable()
            _paused = True


def _resume() -> None:
    global _paused
    if _paused:
        gc.enable()
        _paused = False


def resume() -> None:
    """The collector back on without settling: for a process that will not start the app itself (the
    supervisor of several workers, which would otherwise never collect)."""
    with _lock:
        _resume()


def settle() -> None:
    """Freeze what the process holds now and collect the young generation less often (idempotent per app:
    call once when its start-up, including the background index, is done)."""
    global _settled, _before
    with _lock:
        _resume()
        if _settled == 0:
            _before = gc.get_threshold()
            _, middle, old = _before
            gc.set_threshold(YOUNG_THRESHOLD, middle, old)
        _settled += 1
        gc.freeze()


def release() -> None:
    """Undo settle() once the last app that settled stops: thresholds back, frozen objects collectable again."""
    global _settled, _before
    with _lock:
        _resume()
        if _settled == 0:
            return
        _settled -= 1
        if _settled == 0:
            gc.unfreeze()
            if _before is not None:
                gc.set_threshold(*_before)
            _before = None
