"""docs/route-format.md names every member a route document has, and nothing it does not have."""

from __future__ import annotations

import re

from app.core.config import PROJECT_ROOT

DOC = PROJECT_ROOT / "docs" / "route-format.md"


def keys_of(value) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in keys_of(v)}
    if isinstance(value, list):
        return {k for v in value for k in keys_of(v)}
    return set()


def documented_keys() -> set[str]:
    block = re.search(r"```jsonc\n(.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL).group(1)
    return set(re.findall(r'"([A-Za-z_]+)":', block))


def test_the_documented_members_are_the_real_ones(client):
    created = client.post(
        "/api/v1/routes",
        json={
            "tour": "rocky-1976-montage",
            "activity": "run",
            "pace": "steady",
            "start_at_dawn": "2026-06-01",
        },
    )
    assert created.status_code == 201, created.text
    tour = client.get("/api/v1/tours/rocky-1976-montage")
    assert tour.status_code == 200
    trained = client.post(
        "/api/v1/routes",
        json={"tour": "rocky-1976-montage", "workout": {"level": "rocky"}, "step_free": True},
    )
    assert trained.status_code == 201, trained.text
    real = keys_of(created.json()) | keys_of(tour.json()) | keys_of(trained.json())
    assert documented_keys() == real


def test_the_documented_id_size_is_the_real_one(client):
    route_id = client.post("/api/v1/routes", json={"tour": "rocky-1976-montage"}).json()["id"]
    assert len(route_id) == 16  # 12 random bytes, url-safe base64
    assert "96 random bits" in DOC.read_text(encoding="utf-8")
