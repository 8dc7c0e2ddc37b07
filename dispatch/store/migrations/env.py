"""Alembic's environment: runs the revisions on the connection that ``dispatch.store.schema`` (or the
revision helper, ``python -m dispatch.store.migrations``) puts in ``config.attributes["connection"]``.

The caller owns the transaction (and the lock that keeps two processes from migrating at once), so
Alembic runs inside it: a failed revision leaves the database as it was.
"""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import dispatch.store.models  # noqa: F401  (registers every table: autogenerate compares against them)
from dispatch.store.migrations import context_options

connection = context.config.attributes.get("connection")
if connection is None or context.is_offline_mode():
    raise SystemExit(
        "run migrations with `dispatch db upgrade` (or python -m dispatch.store.migrations), not the alembic command"
    )
context.configure(connection=connection, target_metadata=SQLModel.metadata, **context_options())
with context.begin_transaction():
    context.run_migrations()
