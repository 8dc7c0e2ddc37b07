"""One planning run per date at a time, without writing anything to the database.

SQLite: an exclusive ``flock`` on a file beside the database. PostgreSQL: a session-level advisory
lock. Both vanish with the process, so a killed run never leaves a stale lock behind.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import Engine, text


class PlanLockedError(RuntimeError):
    pass


def lock_key(name: str) -> int:
    """The PostgreSQL advisory-lock key of ``name`` (64 bits of its SHA-256)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


@contextlib.contextmanager
def exclusive(engine: Engine, name: str) -> Iterator[None]:
    """Hold the lock ``name`` for the block, or raise :class:`PlanLockedError` at once."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": lock_key(name)}).scalar()
            if not got:
                raise PlanLockedError(f"{name} is already running in another process; try again when it ends")
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": lock_key(name)})
                conn.commit()
        return
    database = engine.url.database
    base = Path(database) if database and database != ":memory:" else Path(".")
    lock_path = base.with_name(base.name + f".{name.replace(' ', '_').replace('/', '_')}.lock")
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise PlanLockedError(f"{name} is already running in another process; try again when it ends") from exc
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
