"""Whether the database accepts writes, asked before a long run rather than learnt when it saves."""

from __future__ import annotations

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError


class ReadOnlyDatabaseError(RuntimeError):
    """The database refuses writes (a read-only file or folder, a read-only transaction, no privilege)."""


def ensure_writable(engine: Engine, *, what: str = "a plan") -> None:
    """Raise :class:`ReadOnlyDatabaseError` unless ``engine``'s database lets this run write plans.

    The probe is an UPDATE of the plan table that changes no row, rolled back: SQLite refuses it on a
    read-only file and PostgreSQL in a read-only transaction or without the privilege, while it
    writes nothing anywhere.
    """
    try:
        with engine.connect() as conn:
            try:
                conn.execute(text("UPDATE plan SET id = id WHERE 1 = 0"))
            finally:
                conn.rollback()
    except DBAPIError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else str(exc)
        url = engine.url.render_as_string(hide_password=True)
        raise ReadOnlyDatabaseError(
            f"the database {url} does not accept writes ({reason}): {what} could not be saved, so nothing was "
            "done; make it writable or set DISPATCH_DATABASE_URL"
        ) from exc
