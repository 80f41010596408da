"""Downloading from Overpass, against a local stand-in server that replays a recorded Overpass response."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs

import osmium
import pytest

from app.core.config import Settings
from app.core.geo import BBox
from app.routing.embedded import EmbeddedEngine
from app.routing.network import (
    NetworkFetchError,
    as_bbox,
    fetch_network,
    fetch_overpass,
    overpass_json_to_pbf,
)
from app.routing.planner import Stop, plan_route
from tests.support.http_stub import Reply, closed_port_url, http_stub

RECORDED = (Path(__file__).parent / "data" / "overpass_oldcity_small.json").read_bytes()
BOX = BBox(-75.1530, 39.9455, -75.1450, 39.9515)


def settings_for(tmp_path: Path, url: str, **kw) -> Settings:
    return Settings(
        data_dir=tmp_path / "data", overpass_url=url, overpass_retries=3, overpass_timeout_s=5, **kw
    )


def test_fetch_converts_builds_and_routes(tmp_path):
    with http_stub(lambda req: Reply(body=RECORDED)) as stub:
        progress: list[int] = []
        pbf, tiles = fetch_network(
            BOX, settings_for(tmp_path, stub.url), download_progress=lambda done, total: progress.append(done)
        )
    sent = parse_qs(stub.requests[0].body.decode())["data"][0]
    assert (
        stub.requests[0].method == "POST"
        and "[out:json]" in sent
        and "39.9455,-75.153,39.9515,-75.145" in sent
    )
    assert progress and progress[-1] == len(RECORDED)

    counts = {"nodes": 0, "ways": 0}

    class Count(osmium.SimpleHandler):
        def node(self, n):
            counts["nodes"] += 1

        def way(self, w):
            counts["ways"] += 1

    Count().apply_file(str(pbf))
    assert counts == {"nodes": 864, "ways": 352}
    # the new network is the one routes use
    engine = EmbeddedEngine(tiles.config_path)
    plan = plan_route(
        engine, [Stop(39.9489, -75.1500, "Independence Hall"), Stop(39.9510, -75.1465, "Elfreth")]
    )
    assert 200 < plan.distance_m < 1500


def test_retries_after_429_then_succeeds(tmp_path):
    answers = iter(
        [Reply(status=429, body=b"rate limited", headers={"Retry-After": "1"}), Reply(body=RECORDED)]
    )
    with http_stub(lambda req: next(answers)) as stub:
        pbf, _ = fetch_network(BOX, settings_for(tmp_path, stub.url), install=False)
    assert len(stub.requests) == 2 and pbf.is_file()


def test_gives_up_after_the_retries_with_a_clear_message(tmp_path):
    gateway_timeout = Reply(status=504, body=b"gateway timeout", headers={"Retry-After": "0"})
    with (
        http_stub(lambda req: gateway_timeout) as stub,
        pytest.raises(NetworkFetchError, match="after 3 attempts"),
    ):
        fetch_network(BOX, settings_for(tmp_path, stub.url), install=False)
    assert len(stub.requests) == 3


def test_offline_is_a_clear_error(tmp_path):
    with pytest.raises(NetworkFetchError, match="offline"):
        fetch_network(BOX, settings_for(tmp_path, closed_port_url()), install=False)


def test_bad_answer_changes_nothing(tmp_path):
    settings = settings_for(tmp_path, "")
    remark = Reply(body=b'{"remark": "runtime error: timeout"}')
    with http_stub(lambda req: remark) as stub, pytest.raises(NetworkFetchError, match="no elements"):
        fetch_network(BOX, Settings(**{**settings.model_dump(), "overpass_url": stub.url}))
    assert not settings.installed_extract.exists()


@pytest.mark.parametrize("raw", ["1,2,3", "a,b,c,d", "-75,40,-76,39", "-80,35,-70,45", "-75.2,39.9,-75.1,91"])
def test_bbox_validation(raw):
    with pytest.raises(ValueError):
        as_bbox(raw)


def test_json_without_ways_is_refused(tmp_path):
    src = tmp_path / "empty.json"
    src.write_text('{"elements": [{"type": "node", "id": 1, "lat": 39.9, "lon": -75.1}]}')
    with pytest.raises(NetworkFetchError, match="no ways"):
        overpass_json_to_pbf(src, tmp_path / "x.pbf")


def test_fetch_overpass_writes_the_pbf_and_no_leftovers(tmp_path):
    dest = tmp_path / "out" / "box.osm.pbf"
    with http_stub(lambda req: Reply(body=RECORDED)) as stub:
        got = fetch_overpass(
            (BOX.west, BOX.south, BOX.east, BOX.north), dest, settings_for(tmp_path, stub.url)
        )
    assert got == dest and dest.stat().st_size > 10_000
    assert sorted(p.name for p in dest.parent.iterdir()) == ["box.osm.pbf"]


def test_fetch_overpass_refuses_a_bad_bbox_before_any_request(tmp_path):
    with (
        http_stub(lambda req: Reply(body=RECORDED)) as stub,
        pytest.raises(ValueError, match="min must not exceed max"),
    ):
        fetch_overpass("-75.14,39.95,-75.15,39.96", tmp_path / "x.osm.pbf", settings_for(tmp_path, stub.url))
    assert stub.requests == []
