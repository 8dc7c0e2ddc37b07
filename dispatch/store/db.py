"""Database engine, the one-transaction-per-command session scope, and the aware timestamp type.

SQLite (the default, a file in the working directory) and PostgreSQL (through psycopg 3) are
both supported; the tables come from migrations (:mod:`dispatch.store.schema`). Library functions
take a ``Session`` and never commit: the command that opened the :func:`session_scope` commits
once, so a command is all-or-nothing.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlmodel import Session

DEFAULT_DATABASE_URL = "sqlite:///dispatch.db"
# How long a writer waits for another writer's lock before giving up (SQLite).
SQLITE_BUSY_TIMEOUT_S = 30.0


def database_url() -> str:
    """The database to use: ``DISPATCH_DATABASE_URL``, else ``dispatch.db`` in the working directory."""
    return os.environ.get("DISPATCH_DATABASE_URL") or DEFAULT_DATABASE_URL


def make_engine(url: str | None = None) -> Engine:
    """An engine for ``url`` (default :func:`database_url`).

    ``postgresql://`` and ``postgres://`` URLs are sent through psycopg 3. On SQLite, foreign
    keys are enforced and every transaction starts with ``BEGIN IMMEDIATE``, so a second
    writer waits for the first (up to the busy timeout) instead of failing at once when it
    tries to upgrade a read lock.
    """
    parsed = make_url(url or database_url())
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() != "sqlite":
        return create_engine(parsed, pool_pre_ping=True)

    engine = create_engine(parsed, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the sqlite3 module (it would BEGIN late, or never).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA busy_timeout = {int(SQLITE_BUSY_TIMEOUT_S * 1000)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One session, committed once on success and rolled back on any exception (even Ctrl-C)."""
    session = Session(engine, expire_on_commit=False)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
