"""The application's state is one typed container (app.api.state.AppState): built whole at start-up, kept as the
app's only state attribute, read everywhere through app_state(); its annotations hold at run time."""

from __future__ import annotations

import ast
import dataclasses
import types
import typing
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.api.state import STATE_ATTRIBUTE, AppState, app_state
from app.main import create_app

ROOT = Path(__file__).resolve().parents[1]
# The one module that touches Starlette's app.state (it keeps and reads the container); and this test, which
# looks at app.state to see that nothing else is on it.
OWNERS = {"app/api/state.py", "tests/test_app_state.py"}


def app_state_reads(source: str) -> list[int]:
    """Lines that reach into an app's Starlette state directly: ``app.state``, ``request.app.state``,
    ``client.app.state`` (read, written or passed to getattr), instead of through app_state()."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and node.attr == "state":
            owner = node.value
            if (isinstance(owner, ast.Name) and owner.id == "app") or (
                isinstance(owner, ast.Attribute) and owner.attr == "app"
            ):
                lines.append(node.lineno)
    return sorted(lines)


def test_the_finder_sees_every_way_of_reaching_into_app_state():
    source = (
        "a = request.app.state.db_engine\n"
        "b = getattr(app.state, 'basemap', None)\n"
        "state = client.app.state\n"
        "app.state.x = 1\n"
        "c = app_state(request.app).db_engine\n"  # the accessor: allowed
        "d = self.state\n"  # not an app's state
    )
    assert app_state_reads(source) == [1, 2, 3, 4]


def test_nothing_but_the_container_module_touches_app_state():
    found = {
        rel: lines
        for folder in ("app", "tests", "benchmarks")
        for path in sorted((ROOT / folder).rglob("*.py"))
        if (rel := str(path.relative_to(ROOT))) not in OWNERS
        and (lines := app_state_reads(path.read_text(encoding="utf-8")))
    }
    assert found == {}, "read the state through app.api.state.app_state(app), not app.state"


def test_before_start_up_the_accessor_says_why_there_is_no_state(settings):
    app = create_app(settings)
    with pytest.raises(RuntimeError, match="has not started.*lifespan"):
        app_state(app)


def _holds(value: object, hint: object) -> bool:
    """isinstance against a resolved annotation: classes, unions (X | None) and tuple[X, ...]."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return any(_holds(value, arm) for arm in typing.get_args(hint))
    if origin is tuple:
        (item, _ellipsis) = typing.get_args(hint)
        return isinstance(value, tuple) and all(_holds(v, item) for v in value)
    if hint is type(None):
        return value is None
    if isinstance(hint, typing.TypeAliasType):
        return _holds(value, hint.__value__)
    return isinstance(value, origin or hint)  # type: ignore[arg-type]


def test_start_up_builds_the_whole_state_once_with_the_types_it_declares(settings):
    settings = settings.model_copy(update={"trusted_proxies": "10.0.0.0/8,fd00::/8"})
    app = create_app(settings)
    with TestClient(app) as client:
        state = app_state(client.app)
        assert vars(app.state)["_state"].keys() == {STATE_ATTRIBUTE}  # one attribute on Starlette's state
        hints = typing.get_type_hints(AppState)
        wrong = {
            f.name: type(getattr(state, f.name)).__name__
            for f in dataclasses.fields(AppState)
            if not _holds(getattr(state, f.name), hints[f.name])
        }
        assert wrong == {}
        assert state.settings is settings and len(state.trusted_proxies) == 2
        assert client.get("/readyz").status_code == 200  # handlers find what they need in it
        with pytest.raises(dataclasses.FrozenInstanceError):
            state.db_engine = state.limit_engine  # type: ignore[misc]
