"""/metrics under several workers: the sum over every worker's file, even while a worker is starting."""

from __future__ import annotations

import json

from prometheus_client.mmap_dict import MmapedDict

from app.core.metrics import render_metrics


def test_a_starting_workers_empty_file_does_not_fail_the_scrape(tmp_path, monkeypatch):
    """prometheus_client creates a worker's file empty and sizes it a moment later (and a worker killed then
    leaves it empty for good); CI once read it in that moment. The other workers' counts must still be served."""
    key = json.dumps(
        [
            "filmtour_http_requests",
            "filmtour_http_requests_total",
            {"method": "GET", "route": "/healthz", "status": "200"},
            "HTTP requests",
        ],
        sort_keys=True,
    )
    running = MmapedDict(str(tmp_path / "counter_101.db"))
    running.write_value(key, 7.0, 0.0)
    running.close()
    (tmp_path / "counter_102.db").touch()  # the starting worker's file, not yet sized
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    body, _content_type = render_metrics()
    assert 'filmtour_http_requests_total{method="GET",route="/healthz",status="200"} 7.0' in body.decode()
