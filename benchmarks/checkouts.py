"""Which Python runs a checkout under benchmark: its own environment when it has one."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def python_of(checkout: Path) -> str:
    """The checkout's own environment when it has one (`uv sync --group bench` there): its dependencies may
    differ from ours. This checkout runs with the running interpreter."""
    own = checkout / ".venv" / "bin" / "python"
    return str(own) if checkout.resolve() != ROOT and own.exists() else sys.executable
