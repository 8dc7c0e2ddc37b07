"""Fixtures for schema and migration tests: a blank database of their own, and a next revision to upgrade to."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

import dispatch.store.migrations as migrations
from dispatch.store import schema
from dispatch.store.db import make_engine


@pytest.fixture
def blank_url(tmp_path: Path, postgres_url: str | None) -> Iterator[str]:
    """An empty database: a SQLite file not made yet, or a PostgreSQL schema of its own (dropped after the
    test), as the first entry of the URL's search_path."""
    if not postgres_url:
        yield f"sqlite:///{tmp_path / 'blank.db'}"
        return
    name = f"pytest_blank_{uuid.uuid4().hex[:12]}"
    admin = make_engine(postgres_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{name}"'))
    yield (
        make_url(postgres_url)
        .update_query_dict({"options": f"-csearch_path={name}"})
        .render_as_string(hide_password=False)
    )
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
    admin.dispose()


PROBE = '''"""Probe: a test revision that copies the ticket table (SQLite) to add a column.

Revision ID: {revision}
Revises: {down}
"""

import sqlalchemy as sa
from alembic import op

revision = "{revision}"
down_revision = "{down}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # "always" on SQLite: the copy-and-rename path, under the foreign keys of visit_record, exposure_ledger...
    recreate = "always" if op.get_bind().dialect.name == "sqlite" else "auto"
    with op.batch_alter_table("ticket", recreate=recreate) as batch:
        batch.add_column(sa.Column("probe_note", sa.String(), nullable=False, server_default="none"))


def downgrade() -> None:
    with op.batch_alter_table("ticket") as batch:
        batch.drop_column("probe_note")
'''


@pytest.fixture
def probe_revision(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The migrations as shipped plus one more revision on top (adds ``ticket.probe_note``), so that a
    database at today's head is *behind*: the id of that revision, the head while the test runs."""
    folder = tmp_path / "migrations"
    shutil.copytree(migrations.MIGRATIONS_DIR, folder, ignore=shutil.ignore_patterns("__pycache__"))
    down = schema.head_revision()
    revision = f"{int(down) + 1:04d}"
    (folder / "versions" / f"{revision}_probe.py").write_text(PROBE.format(revision=revision, down=down))
    monkeypatch.setattr(migrations, "MIGRATIONS_DIR", folder)
    schema._scripts.cache_clear()
    yield revision
    schema._scripts.cache_clear()
