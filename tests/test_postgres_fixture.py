"""The PostgreSQL the tests use is a real server, not SQLite in disguise."""

from __future__ import annotations

import psycopg
import pytest


@pytest.mark.postgres
def test_server_is_real_postgres_and_keeps_data_across_connections(fresh_postgres_db):
    dsn = fresh_postgres_db.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as conn:
        assert "PostgreSQL" in conn.execute("SELECT version()").fetchone()[0]
        conn.execute("CREATE TABLE t (id int primary key, name text)")
        conn.execute("INSERT INTO t VALUES (1, 'Adrian')")
    with psycopg.connect(dsn) as other:
        assert other.execute("SELECT name FROM t WHERE id = 1").fetchone()[0] == "Adrian"
