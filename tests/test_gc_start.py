"""The collector is off while ``filmtour serve`` imports and starts the app, and back on (frozen, young
threshold raised) once the app has settled (app.core.gc_tuning; docs/performance.md)."""

from __future__ import annotations

import gc

from app.core import gc_tuning


def test_a_paused_collector_comes_back_when_the_app_settles():
    threshold = gc.get_threshold()
    try:
        gc_tuning.pause_for_start_up()
        assert not gc.isenabled()
        gc_tuning.pause_for_start_up()  # twice: still one pause, undone once
        gc_tuning.settle()
        assert gc.isenabled() and gc.get_freeze_count() > 0
        assert gc.get_threshold()[0] == gc_tuning.YOUNG_THRESHOLD
        gc_tuning.release()
        assert gc.isenabled() and gc.get_freeze_count() == 0 and gc.get_threshold() == threshold
    finally:
        gc.enable()


def test_release_turns_a_paused_collector_back_on_even_unsettled():
    try:
        gc_tuning.pause_for_start_up()
        assert not gc.isenabled()
        gc_tuning.release()  # no app settled (its start failed): the collector is on again all the same
        assert gc.isenabled() and gc.get_freeze_count() == 0
    finally:
        gc.enable()


def test_a_collector_turned_off_by_someone_else_stays_off():
    gc.disable()
    try:
        gc_tuning.pause_for_start_up()  # not ours to turn back on
        gc_tuning.settle()
        assert not gc.isenabled()
        gc_tuning.release()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_supervisor_resumes_the_collector_without_settling():
    """``filmtour serve --workers N``: the supervising process never starts the app, so it turns the collector
    back on itself (its workers are fresh processes that pause and settle on their own)."""
    threshold = gc.get_threshold()
    try:
        gc_tuning.pause_for_start_up()
        assert not gc.isenabled()
        gc_tuning.resume()
        assert gc.isenabled() and gc.get_freeze_count() == 0 and gc.get_threshold() == threshold
        gc_tuning.resume()  # idempotent
        assert gc.isenabled()
    finally:
        gc.enable()
