"""The optional Nominatim fallback against a local stand-in server: policy headers, caching, rate, failures."""

from __future__ import annotations

import itertools
import json
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlmodel import Session

from app.core.errors import problem_for
from app.core.exceptions import AddressOutsideCity, InvalidParameter, ServiceUnavailable
from app.db.migrate import upgrade_to_head
from app.db.models import GeocodeCache
from app.db.session import make_engine
from app.services.geocode import Geocoder
from app.services.nominatim import NominatimGeocoder
from tests.conftest import make_settings
from tests.support.http_stub import Reply, closed_port_url, http_stub

CITY_HALL = [
    {
        "place_id": 1,
        "lat": "39.9524",
        "lon": "-75.1636",
        "display_name": "City Hall, Philadelphia",
        "boundingbox": ["39.95", "39.96", "-75.17", "-75.16"],
        "importance": 0.9,
    }
]


def nominatim(req):
    q = parse_qs(urlsplit(req.path).query).get("q", [""])[0]
    return Reply(body=json.dumps(CITY_HALL if "city hall" in q.lower() else []).encode())


@pytest.fixture
def engine(tmp_path):
    e = make_engine(make_settings(tmp_path))
    upgrade_to_head(e)
    return e


def geocoder_for(tmp_path, url: str, **kw) -> NominatimGeocoder:
    return NominatimGeocoder(make_settings(tmp_path, geocoder_url=url, geocoder_fallback=True, **kw))


def test_geocodes_sends_user_agent_and_caches(tmp_path, engine):
    with http_stub(nominatim) as stub, Session(engine) as session:
        geo = geocoder_for(tmp_path, stub.url, geocoder_min_interval_s=0)
        first = geo.geocode(session, "City Hall")
        assert (first.lat, first.lon, first.cached) == (39.9524, -75.1636, False)
        again = geo.geocode(session, "  city   HALL ")
        assert again.cached and (again.lat, again.lon) == (first.lat, first.lon)
        assert len(stub.requests) == 1  # the second answer came from the database
        assert stub.requests[0].headers["user-agent"].startswith("filmtour/")
        assert "viewbox" in stub.requests[0].path


def test_unknown_address_names_the_field(tmp_path, engine):
    with http_stub(nominatim) as stub, Session(engine) as session:
        with pytest.raises(InvalidParameter) as exc:
            geocoder_for(tmp_path, stub.url, geocoder_min_interval_s=0).geocode(session, "Nowhere Lane 99")
        assert exc.value.field == "start.address"


def test_requests_are_spaced_by_the_usage_policy(tmp_path, engine):
    with http_stub(nominatim) as stub, Session(engine) as session:
        geo = geocoder_for(tmp_path, stub.url, geocoder_min_interval_s=0.4)
        for q in ("a place", "b place", "c place"):
            with pytest.raises(InvalidParameter):
                geo.geocode(session, q)
    arrivals = [r.at for r in stub.requests]
    assert len(arrivals) == 3
    assert all(b - a >= 0.39 for a, b in itertools.pairwise(arrivals))  # as the server saw them


def test_unreachable_geocoder_is_503(tmp_path, engine):
    with Session(engine) as session, pytest.raises(ServiceUnavailable) as exc:
        geocoder_for(tmp_path, closed_port_url(), geocoder_min_interval_s=0).geocode(session, "City Hall")
    problem = problem_for(exc.value)
    assert problem.status == 503 and "Retry-After" in problem.headers


def test_slow_geocoder_times_out(tmp_path, engine):
    # The stand-in would answer (with a match) after 5 s: only a working timeout turns that into a 503.
    late = Reply(body=json.dumps(CITY_HALL).encode(), delay_s=5)
    with http_stub(lambda req: late) as stub, Session(engine) as session:
        geo = geocoder_for(tmp_path, stub.url, geocoder_min_interval_s=0, geocoder_timeout_s=0.5)
        with pytest.raises(ServiceUnavailable, match="timed out"):
            geo.geocode(session, "City Hall")
    assert len(stub.requests) == 2  # tried again once (geocoder_retries), then gave up


def test_rate_limited_by_nominatim_is_503(tmp_path, engine):
    with (
        http_stub(lambda req: Reply(status=429, body=b"slow down")) as stub,
        Session(engine) as session,
        pytest.raises(ServiceUnavailable),
    ):
        geocoder_for(tmp_path, stub.url, geocoder_min_interval_s=0).geocode(session, "City Hall")


def test_not_found_is_cached_too(tmp_path, engine):
    with http_stub(nominatim) as stub, Session(engine) as session:
        geo = geocoder_for(tmp_path, stub.url, geocoder_min_interval_s=0)
        for _ in range(3):
            with pytest.raises(InvalidParameter):
                geo.geocode(session, "Nowhere Street 99")
        assert len(stub.requests) == 1


def test_two_workers_storing_the_same_new_address_both_succeed(tmp_path, engine):
    # Review finding T3-9: a merge (SELECT, then INSERT) let the second writer hit the primary key: a 500.
    from types import SimpleNamespace

    found = SimpleNamespace(latitude=39.9524, longitude=-75.1636, address="City Hall")
    with Session(engine) as first, Session(engine) as second:
        assert first.get(GeocodeCache, "city hall") is None and second.get(GeocodeCache, "city hall") is None
        NominatimGeocoder._store(first, "city hall", found)
        place = NominatimGeocoder._store(second, "city hall", found)
    assert (place.lat, place.lon) == (39.9524, -75.1636)
    with Session(engine) as session:
        assert session.get(GeocodeCache, "city hall").display_name == "City Hall"


def test_a_fallback_answer_outside_the_city_is_refused(tmp_path, engine):
    camden = [{"lat": "39.9259", "lon": "-75.1196", "display_name": "Camden, NJ", "place_id": 2}]
    with http_stub(lambda req: Reply(body=json.dumps(camden).encode())) as stub, Session(engine) as session:
        geo = Geocoder(
            make_settings(tmp_path, geocoder_url=stub.url, geocoder_min_interval_s=0, geocoder_fallback=True)
        )
        with pytest.raises(AddressOutsideCity) as exc:
            geo.geocode(session, "17 Zzyzx Road")
    assert exc.value.field == "start.address" and len(stub.requests) == 1
