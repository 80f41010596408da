"""The Dockerfile is lint-clean (hadolint), says what the README promises, and its recipe works: no Docker engine
runs here, so the image's steps are rehearsed on this machine (same files, `uv sync --frozen --no-dev`, the tile
build, the CMD and the HEALTHCHECK)."""

from __future__ import annotations

import fnmatch
import json
import os
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.core.config import PROJECT_ROOT
from tests.support.live import free_port

DOCKERFILE = PROJECT_ROOT / "Dockerfile"
DOCKERIGNORE = PROJECT_ROOT / ".dockerignore"


def hadolint() -> str:
    exe = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    if not Path(exe).exists():
        pytest.fail("hadolint is not installed (it comes with the dev dependencies: uv sync)")
    return exe


def run_hadolint(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [hadolint(), "--no-color", str(path)], check=False, capture_output=True, text=True, timeout=60
    )


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    result: list[tuple[str, str]] = []
    pending = ""
    for raw in DOCKERFILE.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        pending += line[:-1] + " " if line.endswith("\\") else line
        if not line.endswith("\\"):
            word, _, rest = pending.partition(" ")
            result.append((word.upper(), rest.strip()))
            pending = ""
    return result


def args_of(name: str) -> list[str]:
    return [rest for word, rest in instructions() if word == name]


def copied_sources() -> list[str]:
    """What COPY takes from the build context (not from other stages or images)."""
    sources: list[str] = []
    for rest in args_of("COPY"):
        parts = shlex.split(rest)
        if any(p.startswith("--from") for p in parts):
            continue
        sources += [p for p in parts[:-1] if not p.startswith("--")]
    return sources


def image_env() -> dict[str, str]:
    env: dict[str, str] = {}
    for rest in args_of("ENV"):
        for pair in shlex.split(rest):
            key, _, value = pair.partition("=")
            env[key] = value
    return env


def test_hadolint_finds_nothing():
    proc = run_hadolint(DOCKERFILE)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.strip() == ""


def test_hadolint_does_catch_problems(tmp_path):
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN apt-get install curl\n")
    proc = run_hadolint(bad)
    assert proc.returncode != 0 and "DL3007" in proc.stdout


def test_dockerfile_facts():
    assert args_of("FROM")[0].split()[0] == "python:3.12-slim"
    assert any(
        "uv sync --frozen --no-dev" in rest and "--no-install-project" not in rest for rest in args_of("RUN")
    )
    users = args_of("USER")
    assert users and users[-1].split(":")[0] not in ("root", "0")
    assert image_env()["FILMTOUR_DATA_DIR"] == "/var/lib/filmtour"
    assert "filmtour network build-city --no-rebuild" in args_of("RUN")
    assert "/healthz" in args_of("HEALTHCHECK")[0]
    assert args_of("EXPOSE") == ["8000"]
    assert json.loads(args_of("CMD")[-1]) == ["filmtour", "serve", "--host", "0.0.0.0", "--port", "8000"]


def test_build_context_has_everything_copied_and_nothing_ignored():
    ignored = [
        p.strip() for p in DOCKERIGNORE.read_text().splitlines() if p.strip() and not p.startswith("#")
    ]
    assert ".git" in ignored and ".venv" in ignored
    for src in copied_sources():
        assert (PROJECT_ROOT / src).exists(), src
        assert not any(
            fnmatch.fnmatch(src, pat) or src.startswith(pat.rstrip("/") + "/") for pat in ignored
        ), src
    assert (PROJECT_ROOT / "data" / "osm" / "philadelphia_walk.osm.pbf").is_file()


@pytest.fixture(scope="module")
def rehearsal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, str]]]:
    """The image's build steps, done here: copy what COPY copies, sync without dev deps, build the tiles."""
    root = tmp_path_factory.mktemp("image")
    app_dir, venv = root / "app", root / "venv"
    app_dir.mkdir()
    for src in copied_sources():
        source = PROJECT_ROOT / src
        if source.is_dir():
            shutil.copytree(source, app_dir / src, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, app_dir / src)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FILMTOUR_", "VIRTUAL_ENV", "UV_"))}
    env.update({k: v for k, v in image_env().items() if k.startswith("FILMTOUR_")})
    env.update(
        {
            "FILMTOUR_DATA_DIR": str(root / "var-lib-filmtour"),
            "UV_PROJECT_ENVIRONMENT": str(venv),
            "UV_PYTHON": sys.executable,
            "UV_LINK_MODE": "copy",
        }
    )
    uv = os.environ.get("UV") or shutil.which("uv") or pytest.fail("uv not found")
    sync = subprocess.run(
        [uv, "sync", "--frozen", "--no-dev"],
        cwd=app_dir,
        env=env,
        check=False,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert sync.returncode == 0, sync.stderr[-2000:]
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env['PATH']}"
    build_line = next(r for r in args_of("RUN") if r.startswith("filmtour network build"))
    build = subprocess.run(
        shlex.split(build_line),
        cwd=app_dir,
        env=env,
        check=False,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert build.returncode == 0, build.stdout[-2000:] + build.stderr[-2000:]
    yield app_dir, env


def healthcheck(env: dict[str, str], port: int) -> int:
    """The HEALTHCHECK's own command, aimed at our port."""
    cmd = json.loads(args_of("HEALTHCHECK")[0].split(" CMD ", 1)[1])
    cmd = [part.replace("127.0.0.1:8000", f"127.0.0.1:{port}") for part in cmd]
    return subprocess.run(cmd, env=env, check=False, capture_output=True, timeout=30).returncode


@pytest.mark.slow
def test_image_recipe_builds_tiles_serves_and_passes_its_healthcheck(rehearsal, tmp_path):
    app_dir, env = rehearsal
    tiles = list(Path(env["FILMTOUR_DATA_DIR"]).rglob("*.gph")) + list(
        Path(env["FILMTOUR_DATA_DIR"]).rglob("*.tar")
    )
    assert tiles, "filmtour network build left no Valhalla tiles in FILMTOUR_DATA_DIR"
    port = free_port()
    cmd = json.loads(args_of("CMD")[-1])
    cmd = [{"0.0.0.0": "127.0.0.1", "8000": str(port)}.get(part, part) for part in cmd]
    log = tmp_path / "serve.log"
    proc = subprocess.Popen(cmd, cwd=app_dir, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 90
        while healthcheck(env, port) != 0:
            assert proc.poll() is None, log.read_text()[-2000:]
            assert time.monotonic() < deadline, log.read_text()[-2000:]
            time.sleep(0.5)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert healthcheck(env, port) != 0, "the healthcheck passes with no server: it checks nothing"
