"""One planning run per date at a time, without writing anything to the database.

SQLite: an exclusive ``flock`` on a file beside the database. PostgreSQL: a session-level advisory
lock on a connection of its own in autocommit mode, so it never sits "idle in transaction" while the
run solves. Both vanish with the process, so a killed run never leaves a stale lock behind: worker
processes forked while the lock is held close their copy of the lock file at once (and die with the
run, see ``solver.lifeline``).

A server may still drop the lock's connection during a long solve (``pg_terminate_backend``, an
idle-session timeout, a restart). :meth:`HeldLock.verify`, called before saving, then takes the lock
again on a new connection, or raises :class:`PlanLockLostError` when another run holds it by now, so
a run never saves under a lock it lost; and releasing a lock whose connection is gone is not an error.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

# Lock file descriptors this process holds: a forked child closes its copies (see _forget_in_child).
_HELD_FDS: set[int] = set()


class PlanLockedError(RuntimeError):
    """The lock is held by another run, or could not be taken at all; nothing was done."""


class PlanLockLostError(PlanLockedError):
    """The lock was lost during the run and another run holds it now; nothing was saved."""


def _busy(name: str) -> str:
    return f"{name} is already running in another process; try again when it ends"


def lock_key(name: str) -> int:
    """The PostgreSQL advisory-lock key of ``name`` (64 bits of its SHA-256)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


class HeldLock:
    """A lock held for a ``with exclusive(...)`` block."""

    def verify(self) -> None:
        """Check the lock is still held before writing what it protects (see the module doc)."""


class _FileLock(HeldLock):
    pass


class _AdvisoryLock(HeldLock):
    def __init__(self, engine: Engine, name: str) -> None:
        self.engine = engine
        self.name = name
        self.conn: Connection | None = None

    def key(self, conn: Connection) -> int:
        # One lock per schema: two dispatch databases in one PostgreSQL database do not block each other.
        return lock_key(f"{conn.execute(text('SELECT current_schema()')).scalar()}/{self.name}")

    def acquire(self) -> bool:
        conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": self.key(conn)}).scalar())
        except BaseException:
            conn.close()
            raise
        if not got:
            conn.close()
            return False
        self.conn = conn
        return True

    def alive(self) -> bool:
        if self.conn is None:
            return False
        try:
            self.conn.execute(text("SELECT 1"))
            return True
        except DBAPIError:
            self._drop()
            return False

    def verify(self) -> None:
        if self.alive():
            return
        try:
            regained = self.acquire()
        except DBAPIError as exc:
            raise PlanLockLostError(
                f"{self.name}: the database dropped the lock's connection during the run and cannot be reached "
                f"now ({exc.orig or exc}); nothing was saved"
            ) from exc
        if not regained:
            raise PlanLockLostError(
                f"{self.name}: the database dropped the lock's connection during the run and another run holds "
                "the lock now; nothing was saved"
            )

    def release(self) -> None:
        if self.conn is None:
            return
        try:
            self.conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self.key(self.conn)})
            self.conn.close()
        except DBAPIError:
            self._drop()  # the server released the lock with the connection it dropped
        self.conn = None

    def _drop(self) -> None:
        if self.conn is not None:
            with contextlib.suppress(Exception):
                self.conn.invalidate()
                self.conn.close()
        self.conn = None


def advisory_key(engine: Engine, name: str) -> int:
    """The advisory lock key :func:`exclusive` uses for ``name`` on this PostgreSQL database and schema."""
    with engine.connect() as conn:
        return _AdvisoryLock(engine, name).key(conn)


@contextlib.contextmanager
def exclusive(engine: Engine, name: str) -> Iterator[HeldLock]:
    """Hold the lock ``name`` for the block, or raise :class:`PlanLockedError` at once."""
    if engine.dialect.name == "postgresql":
        lock = _AdvisoryLock(engine, name)
        if not lock.acquire():
            raise PlanLockedError(_busy(name))
        try:
            yield lock
        finally:
            lock.release()
        return
    lock_path = lock_file(engine, name)
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        raise PlanLockedError(f"{name}: cannot create the lock file {lock_path}: {exc.strerror or exc}") from exc
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise PlanLockedError(_busy(name)) from exc
        _HELD_FDS.add(fd)
        try:
            yield _FileLock()
        finally:
            _HELD_FDS.discard(fd)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def lock_file(engine: Engine, name: str) -> Path:
    """The file beside the SQLite database that :func:`exclusive` locks for ``name``."""
    database = engine.url.database
    if database and engine.url.query.get("uri") in ("true", "1") and database.startswith("file:"):
        database = database.removeprefix("file:").split("?", 1)[0]  # sqlite:///file:x.db?mode=ro&uri=true
    base = Path(database) if database and database != ":memory:" else Path(".")
    return base.with_name(base.name + f".{name.replace(' ', '_').replace('/', '_')}.lock")


def _forget_in_child() -> None:
    """In a forked child: close the inherited lock descriptors, so the lock ends with the process that took it
    (a flock belongs to the open file, which a child's copy would otherwise keep alive)."""
    for fd in list(_HELD_FDS):
        with contextlib.suppress(OSError):
            os.close(fd)
    _HELD_FDS.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_in_child)
