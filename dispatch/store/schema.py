"""Which revision a database is at, and bringing it to the head revision (Alembic, ``migrations/``).

A database is in one of five states (:class:`SchemaStatus`): empty (a new database), pre-migration
(tables made by ``create_all`` before migrations existed: no ``alembic_version``), behind, current,
or ahead (upgraded by a newer dispatch). Commands open a database with :func:`create_schema`: a new
database is created at head, one at head is used as it is, anything else is refused with one line
saying what to do. ``dispatch db upgrade`` runs :func:`upgrade`.

Migrations run in one transaction under a lock (SQLite: ``BEGIN IMMEDIATE``; PostgreSQL: an
advisory lock), so two processes never migrate at once and a failed revision changes nothing. On
PostgreSQL everything, ``alembic_version`` included, goes in the connection's current schema (the
first one on its ``search_path``).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection, Engine, MetaData, inspect, text
from sqlalchemy.engine import Dialect
from sqlmodel import SQLModel

import dispatch.store.models  # noqa: F401  (registers every table on SQLModel.metadata)
from dispatch.store.locks import lock_key
from dispatch.store.migrations import alembic_config

UPGRADE_HINT = "run dispatch db upgrade"


class SchemaStatus(StrEnum):
    EMPTY = "empty"
    PRE_MIGRATION = "pre-migration"
    BEHIND = "behind"
    CURRENT = "current"
    AHEAD = "ahead"


class SchemaError(RuntimeError):
    """The database cannot be used or upgraded as it is; the message says why and what to do."""


@dataclass(frozen=True)
class Revision:
    revision: str
    description: str


@dataclass(frozen=True)
class SchemaState:
    revision: str | None  # what alembic_version holds; None when it has no row (or does not exist)
    head: str  # the newest revision this version of dispatch knows
    status: SchemaStatus

    def problem(self) -> str | None:
        """Why a command cannot use the database as it is, and what to do; None if it can."""
        if self.status is SchemaStatus.BEHIND:
            return f"the database is at revision {self.revision}; {UPGRADE_HINT} (this dispatch needs {self.head})"
        if self.status is SchemaStatus.PRE_MIGRATION:
            return (
                "the database predates migrations (its tables were made without a revision); "
                f"{UPGRADE_HINT} to adopt it"
            )
        if self.status is SchemaStatus.AHEAD:
            return (
                f"the database is at revision {self.revision}, which this dispatch does not know (its newest is "
                f"{self.head}): a newer dispatch upgraded it; use that version"
            )
        return None


@dataclass(frozen=True)
class Upgrade:
    """What :func:`upgrade` did: the state it found, the revision before and after, the revisions run."""

    before: SchemaStatus
    from_revision: str | None
    to_revision: str
    applied: tuple[Revision, ...]

    @property
    def adopted(self) -> bool:
        """A pre-migration database was stamped with the first revision (then upgraded)."""
        return self.before is SchemaStatus.PRE_MIGRATION


@functools.cache
def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    """The newest revision (the history is a single line: a test keeps it so)."""
    head = _scripts().get_current_head()
    assert head is not None, "no revision in dispatch/store/migrations/versions"
    return head


def base_revision() -> str:
    """The first revision: the schema as it was when migrations began."""
    base = _scripts().get_base()
    assert isinstance(base, str)
    return base


def revisions_after(revision: str | None) -> tuple[Revision, ...]:
    """The revisions an upgrade from ``revision`` (None: an empty database) to head runs, oldest first."""
    scripts = _scripts()
    path = list(scripts.iterate_revisions(head_revision(), revision or "base"))
    return tuple(Revision(s.revision, s.doc) for s in reversed(path))


def base_metadata() -> MetaData:
    """The tables of the first revision (which keeps them in its ``metadata``), to check a database
    made before migrations against."""
    module = _scripts().get_revision(base_revision()).module
    metadata = module.metadata
    assert isinstance(metadata, MetaData)
    return metadata


def _known_tables() -> set[str]:
    return set(SQLModel.metadata.tables) | set(base_metadata().tables)


def _state(conn: Connection) -> SchemaState:
    head = head_revision()
    heads = MigrationContext.configure(conn).get_current_heads()
    if not heads:
        ours = _known_tables() & set(inspect(conn).get_table_names())
        return SchemaState(None, head, SchemaStatus.PRE_MIGRATION if ours else SchemaStatus.EMPTY)
    revision = ", ".join(heads)
    if len(heads) == 1 and heads[0] == head:
        return SchemaState(revision, head, SchemaStatus.CURRENT)
    try:
        known = len(heads) == 1 and _scripts().get_revision(heads[0]) is not None
    except CommandError:  # alembic's ResolutionError for a revision id it has never seen
        known = False
    return SchemaState(revision, head, SchemaStatus.BEHIND if known else SchemaStatus.AHEAD)


def schema_state(engine: Engine) -> SchemaState:
    """The database's revision and status, read without changing anything."""
    with engine.connect() as conn:
        return _state(conn)


@contextmanager
def _migration_transaction(engine: Engine) -> Iterator[Connection]:
    """One connection in one transaction that no other migration runs beside; committed if the block ends."""
    with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            # Batch mode copies a table and drops the old one, which foreign keys would forbid (or cascade).
            # SQLite ignores this pragma inside a transaction, so it is set before BEGIN, and checked after.
            conn.connection.driver_connection.execute("PRAGMA foreign_keys = OFF")  # type: ignore[union-attr]
        try:
            with conn.begin():  # SQLite: BEGIN IMMEDIATE (make_engine), the write lock at once
                if conn.dialect.name == "postgresql":
                    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": lock_key("dispatch schema")})
                yield conn
                if sqlite:
                    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise SchemaError(f"the migration broke {len(broken)} foreign key(s), e.g. {tuple(broken[0])}")
        finally:
            if sqlite:
                conn.connection.driver_connection.execute("PRAGMA foreign_keys = ON")  # type: ignore[union-attr]


def _describe(diff: tuple[Any, ...], dialect: Dialect) -> str:
    """One difference from Alembic's comparison, as a sentence about the database."""
    kind = diff[0]
    if kind in ("add_table", "remove_table"):
        return f"table {diff[1].name} " + ("is missing" if kind == "add_table" else "is not expected")
    if kind in ("add_column", "remove_column"):
        where = f"column {diff[2]}.{diff[3].name}"
        return where + (" is missing" if kind == "add_column" else " is not expected")
    if kind in ("add_index", "remove_index", "add_constraint", "remove_constraint", "add_fk", "remove_fk"):
        item = diff[1]
        columns = ", ".join(c.name for c in item.columns) if hasattr(item, "columns") else "?"
        what = {"index": "index", "constraint": "unique constraint", "fk": "foreign key"}[kind.split("_", 1)[1]]
        name = f" {item.name}" if item.name else ""
        state = "is missing" if kind.startswith("add") else "is not expected"
        return f"{what}{name} on {item.table.name} ({columns}) {state}"
    if kind == "modify_type":
        found, expected = (t.compile(dialect=dialect) for t in (diff[5], diff[6]))
        return f"column {diff[2]}.{diff[3]} is {found}, expected {expected}"
    if kind == "modify_nullable":
        null = {True: "nullable", False: "NOT NULL"}
        return f"column {diff[2]}.{diff[3]} is {null[diff[5]]}, expected {null[diff[6]]}"
    return f"{kind}: {diff[1:]}"


def differences(conn: Connection, metadata: MetaData) -> list[str]:
    """How the tables of the database on ``conn`` differ from ``metadata`` (Alembic's autogenerate
    comparison, types included), one sentence each; tables not in ``metadata`` are left out."""

    def include_name(name: str | None, type_: str, _parents: Any) -> bool:
        return type_ != "table" or name in metadata.tables

    context = MigrationContext.configure(conn, opts={"compare_type": True, "include_name": include_name})
    found: list[str] = []
    for diff in compare_metadata(context, metadata):
        # Column changes come grouped in a list, one tuple per change.
        for change in diff if isinstance(diff, list) else [diff]:
            found.append(_describe(change, conn.dialect))
    return found


def _upgrade(engine: Engine, *, allowed: frozenset[SchemaStatus]) -> Upgrade:
    with _migration_transaction(engine) as conn:
        state = _state(conn)  # again, under the lock: another process may have migrated meanwhile
        if state.status not in allowed:
            raise SchemaError(state.problem() or f"the database is {state.status}")
        config = alembic_config(conn)
        start = state.revision
        if state.status is SchemaStatus.PRE_MIGRATION:
            found = differences(conn, base_metadata())
            if found:
                shown = "; ".join(found[:8]) + (f"; and {len(found) - 8} more" if len(found) > 8 else "")
                raise SchemaError(
                    f"the database predates migrations and its tables differ from the first revision "
                    f"{base_revision()}, so it cannot be adopted (nothing was changed): {shown}"
                )
            command.stamp(config, base_revision())
            start = base_revision()
        applied = revisions_after(start)
        if applied:
            command.upgrade(config, "head")
        return Upgrade(state.status, state.revision, state.head, applied)


def upgrade(engine: Engine) -> Upgrade:
    """Bring the database to head: create a new one, run the revisions a database is behind by, or adopt
    a pre-migration one (stamp it with the first revision if its tables match it exactly, then upgrade).

    Raises :class:`SchemaError` for a database ahead of this dispatch or a pre-migration one that does
    not match the first revision; either way nothing is changed.
    """
    return _upgrade(engine, allowed=frozenset(SchemaStatus) - {SchemaStatus.AHEAD})


def create_schema(engine: Engine) -> None:
    """Make the database ready for a command: a new (empty) database gets every table at head; one at head
    is left as it is. Any other raises :class:`SchemaError`, saying what to do (``dispatch db upgrade``)."""
    state = schema_state(engine)
    if state.status is SchemaStatus.CURRENT:
        return
    if state.status is not SchemaStatus.EMPTY:
        raise SchemaError(state.problem() or f"the database is {state.status}")
    _upgrade(engine, allowed=frozenset({SchemaStatus.EMPTY, SchemaStatus.CURRENT}))
