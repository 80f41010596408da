"""The offline index is built once per process and shared by every app in it (app.services.geocode): an app
that stops while the build is still queued must not cancel it for the others (it did: `asyncio.wrap_future`
passes a waiter's cancellation on to the shared future, and every later app failed to start)."""

from __future__ import annotations

import asyncio
import shutil
import threading

from app.services import geocode
from app.services.geocode import Geocoder
from tests.conftest import REAL_LOCATIONS, make_settings


def test_a_stopping_app_does_not_cancel_the_shared_index_build(tmp_path):
    places = tmp_path / "locations.geojson"  # a file of its own: a build nobody else has started
    shutil.copyfile(REAL_LOCATIONS, places)
    geocoder = Geocoder(make_settings(tmp_path, seed=False, locations_file=places))
    gate = threading.Event()
    blocker = geocode._builder.submit(gate.wait, 60)  # the one builder thread busy: our build stays queued
    try:

        async def stop_while_queued() -> None:
            waiter = asyncio.create_task(geocoder.ready())  # what the lifespan's settle task awaits
            await asyncio.sleep(0.05)
            waiter.cancel()  # the app stops
            try:
                await waiter
            except asyncio.CancelledError:
                pass

        # On a thread of its own: a browser test earlier in this worker may leave an event loop running here.
        runner = threading.Thread(target=asyncio.run, args=(stop_while_queued(),))
        runner.start()
        runner.join(timeout=60)
        build = geocode.city_geocoder_future(places)
        assert not build.cancelled()
    finally:
        gate.set()
        blocker.result(timeout=60)
    # The next app in the process finds the index: it was built, not lost.
    assert Geocoder(make_settings(tmp_path / "next", seed=False, locations_file=places)).search(
        "Broad & Tasker"
    )


def test_a_cancelled_build_is_started_again(tmp_path):
    places = tmp_path / "locations.geojson"
    shutil.copyfile(REAL_LOCATIONS, places)
    gate = threading.Event()
    blocker = geocode._builder.submit(gate.wait, 60)
    try:
        first = geocode.city_geocoder_future(places)
        assert first.cancel()  # queued, so it can be cancelled (e.g. by a caller outside our own code)
        again = geocode.city_geocoder_future(places)
        assert again is not first and not again.cancelled()
    finally:
        gate.set()
        blocker.result(timeout=60)
    assert again.result(timeout=120).search("9th and Christian", 1)
