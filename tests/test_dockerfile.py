"""The Dockerfile is lint-clean (hadolint) and says what the README promises. No Docker engine runs here."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app.core.config import PROJECT_ROOT

DOCKERFILE = PROJECT_ROOT / "Dockerfile"


def hadolint() -> str:
    exe = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    if not Path(exe).exists():
        pytest.fail("hadolint is not installed (it comes with the dev dependencies: uv sync)")
    return exe


def test_hadolint_finds_nothing():
    proc = subprocess.run(
        [hadolint(), "--no-color", str(DOCKERFILE)], check=False, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.strip() == ""


def test_hadolint_does_catch_problems(tmp_path):
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN apt-get install curl\n")
    proc = subprocess.run(
        [hadolint(), "--no-color", str(bad)], check=False, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode != 0 and "DL3007" in proc.stdout


def test_dockerfile_facts():
    text = DOCKERFILE.read_text()
    assert text.startswith("#") and "FROM python:3.12-slim" in text
    assert "uv sync --frozen" in text
    users = [line.split()[1] for line in text.splitlines() if line.startswith("USER ")]
    assert users and users[-1] not in ("root", "0")
    assert "HEALTHCHECK" in text and "/healthz" in text
    assert "filmtour network build" in text
    assert '"--host", "0.0.0.0", "--port", "8000"' in text
