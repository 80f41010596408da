"""``filmtour serve`` caps glibc's malloc arenas (app/core/malloc.py) for itself and its workers; an
operator's own MALLOC_ARENA_MAX wins."""

from __future__ import annotations

import os
import subprocess
import sys

from app.core.config import PROJECT_ROOT

PROBE = "import os; from app.core.malloc import limit_malloc_arenas; print(limit_malloc_arenas(), os.environ['MALLOC_ARENA_MAX'])"


def run(env: dict[str, str]) -> str:
    out = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return out.stdout.strip()


def test_the_cap_is_two_arenas_for_the_process_and_the_workers_it_starts():
    env = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"}
    assert run(env) == "2 2"  # mallopt accepted it (glibc), and the variable is there for worker processes


def test_an_operators_own_setting_wins():
    assert run({**os.environ, "MALLOC_ARENA_MAX": "4"}) == "4 4"
