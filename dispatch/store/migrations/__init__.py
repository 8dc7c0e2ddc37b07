"""The Alembic revisions of the schema (``versions/``), and how Alembic is set up to run them.

There is no ``alembic.ini``: :func:`alembic_config` builds the configuration in code, so the
migrations run the same from an installed package and from any working directory. At run time
:mod:`dispatch.store.schema` hands Alembic an open connection (inside the transaction and lock it
holds); ``python -m dispatch.store.migrations revision "what changes"`` writes a new revision.
How to add one: README.md in this folder.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic.autogenerate.api import AutogenContext
from alembic.config import Config
from sqlalchemy import Connection
from sqlmodel.sql.sqltypes import AutoString

from dispatch.store.columns import AwareDateTime

MIGRATIONS_DIR = Path(__file__).resolve().parent


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration for this package, with ``connection`` for env.py to run on."""
    config = Config()
    # ConfigParser interpolates '%': a path containing one must be escaped.
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    config.attributes["connection"] = connection
    return config


def render_type(type_: str, obj: Any, autogen_context: AutogenContext) -> str | bool:
    """Write the project's column types as the plain SQLAlchemy types they create, so a revision does
    not import model code (which moves and changes while the revision must stay as it was)."""
    if type_ != "type":
        return False
    if isinstance(obj, AwareDateTime):
        return "sa.DateTime(timezone=True)"
    if isinstance(obj, AutoString):  # SQLModel's str column: a VARCHAR
        return "sa.String()" if obj.length is None else f"sa.String(length={obj.length})"
    return False


def context_options() -> dict[str, Any]:
    """The options every migration context gets (running revisions and autogenerating them)."""
    return {
        # SQLite cannot ALTER most things: batch mode copies the table into a new one instead.
        "render_as_batch": True,
        "compare_type": True,
        "render_item": render_type,
    }
