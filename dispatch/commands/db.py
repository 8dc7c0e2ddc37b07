"""``dispatch db``: which schema revision the database is at, and upgrading it (Alembic migrations)."""

from __future__ import annotations

from typing import Any

import typer
from alembic.util import CommandError
from rich.table import Table
from sqlalchemy.engine import make_url

from dispatch.commands.common import JsonOption, console, open_engine, print_json, reported
from dispatch.store.db import database_url
from dispatch.store.schema import SchemaError, SchemaState, SchemaStatus, Upgrade, schema_state, upgrade

db_app = typer.Typer(
    help="The database schema: its revision, and upgrading it to this version of dispatch.\n\n"
    "Example: dispatch db upgrade",
    no_args_is_help=True,
)


def _shown_url() -> str:
    return make_url(database_url()).render_as_string(hide_password=True)


@db_app.command("upgrade")
def upgrade_command(as_json: JsonOption = False) -> None:
    """Bring the database to this version's schema (the head revision).

    A new database is created; an older one runs the revisions it is behind by; one made before
    migrations existed is adopted if its tables match the first revision exactly (otherwise nothing is
    changed). One transaction: a failure changes nothing.

    Example: dispatch db upgrade
    """
    engine = open_engine(as_json=as_json, check_schema=False)
    try:
        with reported(SchemaError, CommandError, as_json=as_json):
            result = upgrade(engine)
    finally:
        engine.dispose()
    if as_json:
        print_json({"ok": True, "database": _shown_url(), **_upgrade_json(result)})
        return
    _render_upgrade(result)


def _upgrade_json(result: Upgrade) -> dict[str, Any]:
    return {
        "before": result.before.value,
        "from": result.from_revision,
        "to": result.to_revision,
        "adopted": result.adopted,
        "applied": [{"revision": r.revision, "description": r.description} for r in result.applied],
    }


def _render_upgrade(result: Upgrade) -> None:
    if result.before is SchemaStatus.CURRENT:
        console.print(f"The database is at revision {result.to_revision}, the newest: nothing to do.", markup=False)
        return
    table = Table(title=f"Database upgrade ({_shown_url()})", title_justify="left")
    for heading in ("from", "to", "revisions run"):
        table.add_column(heading)
    start = {
        SchemaStatus.EMPTY: "(new database)",
        SchemaStatus.PRE_MIGRATION: "(made before migrations)",
    }.get(result.before, result.from_revision or "-")
    ran = "\n".join(f"{r.revision} {r.description}" for r in result.applied) or "-"
    table.add_row(start, result.to_revision, ran)
    console.print(table)
    if result.adopted:
        console.print(
            "Adopted: its tables match the first revision, so it was stamped with it"
            + (" and upgraded." if result.applied else "."),
            markup=False,
        )


@db_app.command("current")
def current_command(as_json: JsonOption = False) -> None:
    """Show the database's schema revision and whether it is behind this version's (the head).

    Changes nothing; `dispatch db upgrade` brings a database that is behind up to date.

    Example: dispatch db current --json
    """
    engine = open_engine(existing=True, as_json=as_json, check_schema=False)
    try:
        with reported(CommandError, as_json=as_json):
            state = schema_state(engine)
    finally:
        engine.dispose()
    if as_json:
        print_json(_current_json(state))
        return
    table = Table(title=f"Database schema ({_shown_url()})", title_justify="left")
    for heading in ("revision", "head", "status"):
        table.add_column(heading)
    table.add_row(state.revision or "-", state.head, state.status.value)
    console.print(table)
    problem = state.problem()
    if problem:
        console.print(problem, markup=False)


def _current_json(state: SchemaState) -> dict[str, Any]:
    return {
        "database": _shown_url(),
        "revision": state.revision,
        "head": state.head,
        "status": state.status.value,
        "behind": state.status in (SchemaStatus.BEHIND, SchemaStatus.PRE_MIGRATION),
    }
