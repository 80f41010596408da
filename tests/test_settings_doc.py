"""The README's configuration table is the one generated from the settings' descriptions, and every setting
has a description (so a new setting cannot be added without documenting it)."""

from __future__ import annotations

import re

from typer.testing import CliRunner

from app.cli import cli
from app.core.config import PROJECT_ROOT, Settings, env_name, settings_table

README = PROJECT_ROOT / "README.md"
BLOCK = re.compile(r"<!-- settings-table:[^>]*-->\n(.*?)<!-- /settings-table -->", re.DOTALL)


def test_every_setting_is_described():
    assert [
        name for name, info in Settings.model_fields.items() if not (info.description or "").strip()
    ] == []


def test_readme_table_is_the_generated_one():
    block = BLOCK.search(README.read_text(encoding="utf-8"))
    assert block, "README.md lost its settings-table markers"
    assert block.group(1) == settings_table(), "README table is stale: paste `uv run filmtour settings` in"


def test_the_table_names_every_variable_once():
    table = settings_table()
    for name in Settings.model_fields:
        assert table.count(f"| `{env_name(name)}` |") == 1
    assert env_name("database_url") == "DATABASE_URL"


def test_cli_prints_the_table():
    result = CliRunner().invoke(cli, ["settings"])
    assert result.exit_code == 0 and result.stdout == settings_table()
