"""The PostgreSQL the tests use is a real server, not SQLite in disguise, and the fixture's policy holds: each test
gets its own empty database, and missing binaries skip locally but fail in CI."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import psycopg
import pytest

from app.core.config import PROJECT_ROOT


def plain(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


@pytest.mark.postgres
def test_server_is_real_postgres_and_keeps_data_across_connections(fresh_postgres_db):
    dsn = plain(fresh_postgres_db)
    with psycopg.connect(dsn, autocommit=True) as conn:
        assert "PostgreSQL" in conn.execute("SELECT version()").fetchone()[0]
        conn.execute("CREATE TABLE t (id int primary key, name text)")
        conn.execute("INSERT INTO t VALUES (1, 'Adrian')")
    with psycopg.connect(dsn) as other:
        assert other.execute("SELECT name FROM t WHERE id = 1").fetchone()[0] == "Adrian"


@pytest.mark.postgres
def test_server_listens_on_loopback_only(postgres_server_url):
    with psycopg.connect(plain(postgres_server_url)) as conn:
        listen = conn.execute("SHOW listen_addresses").fetchone()[0]
    if not os.environ.get("FILMTOUR_TEST_POSTGRES_URL"):
        assert listen == "127.0.0.1"


@pytest.mark.postgres
def test_session_database_is_named_and_reachable(postgres_url):
    assert postgres_url.startswith("postgresql+psycopg://") and postgres_url.endswith("/filmtour_test")
    with psycopg.connect(plain(postgres_url)) as conn:
        assert conn.execute("SELECT current_database()").fetchone()[0] == "filmtour_test"


@pytest.mark.postgres
def test_each_test_gets_a_new_empty_database(fresh_postgres_db, postgres_server_url):
    with psycopg.connect(plain(fresh_postgres_db)) as conn:
        tables = conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()[0]
        name = conn.execute("SELECT current_database()").fetchone()[0]
    assert tables == 0
    assert name != "filmtour_test" and name.startswith("t_")


@pytest.mark.postgres
def test_per_test_databases_are_dropped(postgres_server_url):
    with psycopg.connect(plain(postgres_server_url)) as conn:
        left = conn.execute("SELECT datname FROM pg_database WHERE datname LIKE 't\\_%'").fetchall()
    # Only databases of tests running right now may exist (none: this session runs tests one at a time).
    assert left == []


INNER_TEST = textwrap.dedent("""
    pytest_plugins = ["tests.fixtures.postgres"]

    def test_needs_postgres(postgres_url):
        pass
""")


def run_inner_pytest(tmp_path, ci: str | None) -> subprocess.CompletedProcess:
    """A separate pytest run with the plugin and no PostgreSQL binaries to find."""
    (tmp_path / "test_inner.py").write_text(INNER_TEST)
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "FILMTOUR_TEST_POSTGRES_URL")}
    env["FILMTOUR_TEST_POSTGRES_BINDIR"] = str(tmp_path / "no-postgres-here")
    env["PYTHONPATH"] = str(PROJECT_ROOT)
    if ci is not None:
        env["CI"] = ci
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-rsf",
            "-p",
            "no:cacheprovider",
            "--rootdir",
            str(tmp_path),
            "-c",
            os.devnull,
            str(tmp_path / "test_inner.py"),
        ],
        check=False,
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.slow
def test_missing_binaries_skip_on_a_developer_machine(tmp_path):
    proc = run_inner_pytest(tmp_path, ci=None)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "1 skipped" in proc.stdout and "apt-get install postgresql" in proc.stdout


@pytest.mark.slow
def test_missing_binaries_fail_in_ci(tmp_path):
    proc = run_inner_pytest(tmp_path, ci="true")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "PostgreSQL is required in CI" in proc.stdout
