"""app.core.outbound and its three users (geocoder, Overpass, the Valhalla service client) against real
stand-in HTTP servers on 127.0.0.1: User-Agent, timeouts, retries and Retry-After."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest
from sqlmodel import Session

from app.core.config import Settings
from app.core.errors import problem_for
from app.core.exceptions import ServiceUnavailable
from app.core.outbound import OutboundClient, RetryPolicy, parse_retry_after
from app.db.migrate import upgrade_to_head
from app.db.session import make_engine
from app.routing.factory import get_engine
from app.routing.http import HttpEngine
from app.routing.network import NetworkFetchError, download_overpass
from app.services.nominatim import NominatimGeocoder
from tests.conftest import make_settings
from tests.routing.test_network_fetch import BOX, RECORDED
from tests.support.http_stub import Reply, closed_port_url, http_stub


class Sleeps:
    """Records the waits asked for, and really waits them (the server sees the gap)."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        time.sleep(seconds)


def replies(*answers: Reply):
    it = iter(answers)
    last = answers[-1]
    return lambda req: next(it, last)


def client(url: str, sleeps: Sleeps, **policy) -> OutboundClient:
    return OutboundClient(
        user_agent="test-agent/1", timeout_s=2, base_url=url, retry=RetryPolicy(**policy), sleep=sleeps
    )


def test_sends_the_callers_user_agent():
    with http_stub(replies(Reply(body=b"{}"))) as stub:
        resp = client(stub.url, Sleeps()).request("GET", "/x")
    assert resp.status_code == 200 and stub.requests[0].headers["user-agent"] == "test-agent/1"


def test_retry_after_seconds_is_honoured():
    sleeps = Sleeps()
    busy = Reply(status=503, body=b"busy", headers={"Retry-After": "1"})
    with http_stub(replies(busy, Reply(body=b"ok"))) as stub:
        resp = client(stub.url, sleeps, attempts=3, backoff_s=0.01).request("POST", "/x", json={"a": 1})
    assert resp.status_code == 200 and resp.text == "ok"
    assert sleeps.waits == [1.0] and len(stub.requests) == 2
    assert stub.requests[1].body == b'{"a":1}'  # the same request again


def test_retry_after_http_date_is_honoured():
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after(format_datetime(now + timedelta(seconds=5), usegmt=True), now=now) == 5.0
    assert parse_retry_after(format_datetime(now - timedelta(seconds=5), usegmt=True), now=now) == 0.0
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None
    sleeps = Sleeps()
    soon = format_datetime(datetime.now(UTC) + timedelta(seconds=1), usegmt=True)
    with http_stub(replies(Reply(status=429, headers={"Retry-After": soon}), Reply(body=b"ok"))) as stub:
        resp = client(stub.url, sleeps, attempts=2).request("GET", "/x")
    assert resp.status_code == 200 and len(stub.requests) == 2
    assert len(sleeps.waits) == 1 and 0 <= sleeps.waits[0] <= 1.0


def test_a_longer_retry_after_than_allowed_is_not_slept_through():
    sleeps = Sleeps()
    with http_stub(replies(Reply(status=429, headers={"Retry-After": "3600"}))) as stub:
        resp = client(stub.url, sleeps, attempts=5, max_wait_s=10).request("GET", "/x")
    assert resp.status_code == 429 and resp.headers["retry-after"] == "3600"
    assert sleeps.waits == [] and len(stub.requests) == 1


def test_backoff_doubles_without_retry_after_and_the_last_answer_is_returned():
    sleeps = Sleeps()
    with http_stub(replies(Reply(status=502))) as stub:
        resp = client(stub.url, sleeps, attempts=3, backoff_s=0.05).request("GET", "/x")
    assert resp.status_code == 502 and len(stub.requests) == 3
    assert sleeps.waits == [0.05, 0.1]


def test_a_timeout_is_retried_then_raised():
    sleeps = Sleeps()
    slow = OutboundClient(
        user_agent="t", timeout_s=0.3, retry=RetryPolicy(attempts=2, backoff_s=0.01), sleep=sleeps
    )
    with http_stub(replies(Reply(body=b"late", delay_s=2))) as stub, pytest.raises(httpx.TimeoutException):
        slow.request("GET", stub.url)
    assert len(stub.requests) == 2 and sleeps.waits == [0.01]


def test_a_refused_connection_is_not_retried():
    sleeps = Sleeps()
    with pytest.raises(httpx.ConnectError):
        client(closed_port_url(), sleeps, attempts=3).request("GET", "/x")
    assert sleeps.waits == []


def test_download_restarts_after_a_transient_error_and_leaves_no_part_file(tmp_path):
    sleeps = Sleeps()
    dest = tmp_path / "out.json"
    dl = OutboundClient(
        user_agent="t", timeout_s=0.5, retry=RetryPolicy(attempts=2, backoff_s=0.01), sleep=sleeps
    )
    with http_stub(replies(Reply(status=503, headers={"Retry-After": "0"}), Reply(body=b'{"ok":1}'))) as stub:
        resp = dl.download("GET", stub.url, dest)
    assert resp.status_code == 200 and dest.read_bytes() == b'{"ok":1}' and len(stub.requests) == 2
    with http_stub(replies(Reply(status=404, body=b"nope"))) as stub:
        assert dl.download("GET", stub.url, tmp_path / "missing.json").status_code == 404
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]


# --- the three users, each with its own User-Agent --------------------------------------------------------


def test_overpass_sends_its_own_user_agent_and_honours_retry_after(tmp_path):
    busy = Reply(status=429, body=b"rate limited", headers={"Retry-After": "1"})
    with http_stub(replies(busy, Reply(body=RECORDED))) as stub:
        settings = Settings(
            data_dir=tmp_path,
            overpass_url=stub.url,
            overpass_retries=2,
            overpass_timeout_s=5,
            overpass_user_agent="overpass-agent/2",
            geocoder_user_agent="geocoder-agent/3",
        )
        t0 = time.monotonic()
        download_overpass(BOX, tmp_path / "a.json", settings)
        gap = time.monotonic() - t0
    assert [r.headers["user-agent"] for r in stub.requests] == ["overpass-agent/2"] * 2
    assert gap >= 1.0  # the server asked for a second, and got it
    assert (tmp_path / "a.json").read_bytes() == RECORDED


def test_overpass_asking_for_a_long_wait_fails_clearly(tmp_path):
    with http_stub(replies(Reply(status=429, headers={"Retry-After": "600"}))) as stub:
        settings = Settings(
            data_dir=tmp_path, overpass_url=stub.url, overpass_retries=3, overpass_timeout_s=5
        )
        with pytest.raises(NetworkFetchError, match="answered 429"):
            download_overpass(BOX, tmp_path / "a.json", settings)
    assert len(stub.requests) == 1 and not (tmp_path / "a.json").exists()


def test_geocoder_sends_its_own_user_agent_and_retries_after_429(tmp_path):
    engine = make_engine(make_settings(tmp_path))
    upgrade_to_head(engine)
    city_hall = [{"lat": "39.9524", "lon": "-75.1636", "display_name": "City Hall", "place_id": 1}]
    busy = Reply(status=429, body=b"slow down", headers={"Retry-After": "1"})
    with http_stub(replies(busy, Reply(body=json.dumps(city_hall).encode()))) as stub, Session(engine) as s:
        geo = NominatimGeocoder(
            make_settings(
                tmp_path,
                geocoder_url=stub.url,
                geocoder_min_interval_s=0,
                geocoder_user_agent="geocoder-agent/3",
                overpass_user_agent="overpass-agent/2",
            )
        )
        place = geo.geocode(s, "City Hall")
    assert (place.lat, place.lon) == (39.9524, -75.1636)
    assert [r.headers["user-agent"] for r in stub.requests] == ["geocoder-agent/3"] * 2


def test_valhalla_client_sends_its_own_user_agent_and_retries_a_busy_service():
    status = Reply(body=json.dumps({"version": "3.9.1"}).encode())
    busy = Reply(status=503, body=b"busy", headers={"Retry-After": "1"})
    with http_stub(replies(busy, status)) as stub:
        settings = Settings(valhalla_url=stub.url, valhalla_user_agent="valhalla-agent/4", valhalla_retries=2)
        engine = get_engine(settings)
        assert isinstance(engine, HttpEngine) and engine.status()["version"] == "3.9.1"
        engine.close()
    assert [r.headers["user-agent"] for r in stub.requests] == ["valhalla-agent/4"] * 2


def test_valhalla_service_5xx_is_503_with_its_retry_after():
    with http_stub(replies(Reply(status=502, body=b"bad gateway", headers={"Retry-After": "7"}))) as stub:
        engine = HttpEngine(stub.url, attempts=1)
        with pytest.raises(ServiceUnavailable) as exc:
            engine.route({"locations": []})
    assert problem_for(exc.value).headers == {"Retry-After": "7"} and len(stub.requests) == 1
