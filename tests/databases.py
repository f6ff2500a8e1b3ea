"""Throw-away databases for tests: SQLite files, and PostgreSQL databases on the server named by
TEST_DATABASE_URL. The PostgreSQL database for a test is a migrated database emptied after every test
(TRUNCATE takes ~40 ms where CREATE DATABASE takes ~300 ms); databases without a schema are created per
test and dropped afterwards.

Names carry the pid of the pytest process, so concurrent runs on one server never collide and databases
left behind by a killed run are recognised and dropped by the next one.
"""

from __future__ import annotations

import os
import re
import secrets

import psycopg
from sqlalchemy.engine import make_url

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "").strip()
PG_SKIP_REASON = "TEST_DATABASE_URL not set: PostgreSQL runs skipped"
PREFIX = "iku_test_"
_OURS = re.compile(rf"^{PREFIX}(\d+)_[0-9a-f]+$")


def _conninfo(database: str | None = None) -> str:
    url = make_url(TEST_DATABASE_URL).set(drivername="postgresql")
    if database is not None:
        url = url.set(database=database)
    return url.render_as_string(hide_password=False)


def url_for(database: str) -> str:
    """The SQLAlchemy URL (async driver) of one database on the test server."""
    url = make_url(TEST_DATABASE_URL).set(drivername="postgresql+psycopg", database=database)
    return url.render_as_string(hide_password=False)


def shown_url() -> str:
    return make_url(TEST_DATABASE_URL).render_as_string(hide_password=True)


def new_name() -> str:
    return f"{PREFIX}{os.getpid()}_{secrets.token_hex(4)}"


def _admin() -> psycopg.Connection:
    # CREATE/DROP DATABASE cannot run inside a transaction.
    return psycopg.connect(_conninfo(), autocommit=True)


def create(name: str, template: str | None = None) -> str:
    with _admin() as conn:
        sql = f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")
        conn.execute(sql)
    return url_for(name)


def drop(name: str) -> None:
    with _admin() as conn:
        # FORCE: a test that failed half-way may still hold a connection.
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def empty(name: str) -> None:
    """Back to the state of a freshly migrated database, in a fraction of CREATE DATABASE's time: every table
    emptied, ids restarting at 1, the schema (and its Alembic revision) kept."""
    with psycopg.connect(_conninfo(name), autocommit=True) as conn:
        # A connection a test leaked (or a killed bot's) would block TRUNCATE.
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
            )
        ]
        if tables:
            conn.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE")


def drop_leftovers() -> None:
    """Drop test databases whose pytest process no longer exists (a run killed before its teardown)."""
    with _admin() as conn:
        names = [row[0] for row in conn.execute("SELECT datname FROM pg_database")]
    for name in names:
        match = _OURS.match(name)
        if match and not _alive(int(match.group(1))):
            drop(name)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
