"""The import direction of issue 13: cli/main -> api -> services -> schemas -> routing/db/maps -> core, no
import cycles, and none hidden by imports inside functions. The layer contracts live in pyproject.toml
([tool.importlinter]); these tests run them and check what they do not cover."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[1]


def import_cycles(package: str) -> list[tuple[str, str]]:
    """Every direct import a -> b where b also leads back to a (through any chain)."""
    graph = grimp.build_graph(package, cache_dir=None)
    return sorted(
        (a, b)
        for a in graph.modules
        for b in graph.find_modules_directly_imported_by(a)
        if graph.chain_exists(importer=b, imported=a)
    )


def nested_first_party_imports(source: str, package: str = "app") -> list[int]:
    """Line numbers of imports of ``package`` that are not at module level (inside a def or class)."""
    tree = ast.parse(source)
    top = {id(node) for node in tree.body}
    lines = []
    for node in ast.walk(tree):
        if id(node) in top:
            continue
        if isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        if any(n.split(".")[0] == package for n in names):
            lines.append(node.lineno)
    return lines


def test_layer_contracts_are_kept():
    lint = Path(sys.executable).with_name("lint-imports")
    out = subprocess.run(
        [str(lint), "--no-cache"], check=False, cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]
    assert "0 broken" in out.stdout


def test_no_import_cycles_in_app():
    assert import_cycles("app") == []


# The command line imports each command's modules when the command runs (so `filmtour --help` starts fast):
# lazy imports of modules below it, which grimp and import-linter see like any other import (the cycle and
# layer checks above cover them); nowhere else may an import of app hide inside a function, except in the
# few modules listed below, which load a heavy part of app when it is first used rather than at the server's
# start (docs/performance.md: a restart's first answer within about a second).
DEFERRED_FOR_START_UP = {
    "app/api/cards.py",  # the card drawing (Pillow, numpy, the tile decoder): with the first card
    "app/maps/basemap/archive.py",  # the basemap builders (numpy, shapely, pyosmium): only when a build runs
    "app/routing/factory.py",  # the backend chosen: valhalla or httpx, not both
    "app/services/geocode.py",  # the Nominatim fallback (httpx, geopy's geocoders): only when configured
}
LAZY_IMPORTERS = {f"app/cli/{p.name}" for p in (ROOT / "app" / "cli").glob("*.py")} | DEFERRED_FOR_START_UP


def test_no_imports_of_app_inside_functions():
    found = {
        str(path.relative_to(ROOT)): lines
        for path in (ROOT / "app").rglob("*.py")
        if str(path.relative_to(ROOT)) not in LAZY_IMPORTERS
        and (lines := nested_first_party_imports(path.read_text(encoding="utf-8")))
    }
    assert found == {}


def test_the_cli_imports_lazily_only_what_lies_below_it():
    graph = grimp.build_graph("app", cache_dir=None)
    imported = graph.find_modules_directly_imported_by("app.cli")
    assert imported, "grimp sees the command line's function-level imports"
    assert not any(m == "app.main" or graph.chain_exists(importer=m, imported="app.cli") for m in imported)


def test_the_checks_can_fail(tmp_path, monkeypatch):
    """A cycle through a function-level import is found by both checks."""
    pkg = tmp_path / "cyclic"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from cyclic import b\n")
    (pkg / "b.py").write_text("def f():\n    from cyclic import a\n    return a\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert ("cyclic.a", "cyclic.b") in import_cycles("cyclic")
    assert nested_first_party_imports((pkg / "b.py").read_text(), "cyclic") == [2]


@pytest.mark.parametrize("module", ["app.routing.engine", "app.schemas.routes", "app.core.exceptions"])
def test_interfaces_do_not_import_their_users(module):
    graph = grimp.build_graph("app", cache_dir=None)
    upward = {"app.routing.embedded", "app.routing.http", "app.api", "app.services", "app.core.errors"}
    imported = graph.find_upstream_modules(module)
    assert not {m for m in imported if any(m == u or m.startswith(u + ".") for u in upward)}


def test_modules_stay_under_400_lines():
    from app.core.config import PROJECT_ROOT

    long = {
        str(path.relative_to(PROJECT_ROOT)): n
        for path in (PROJECT_ROOT / "app").rglob("*.py")
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > 400
    }
    assert not long, long
