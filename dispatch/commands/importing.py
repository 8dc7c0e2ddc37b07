"""``dispatch import ...``: load tickets, crews, shifts and zones from files into the database.

Each command runs in one transaction: it imports the whole file or nothing, unless ``--rejects``
is given, in which case the good rows are imported and the bad ones written to that file.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from dispatch.db import create_schema, database_url, make_engine, session_scope
from dispatch.importing import (
    ImportErrors,
    ImportReport,
    import_crews,
    import_shifts,
    import_tickets,
    import_zones,
)
from dispatch.policy import Policy, PolicyError

import_app = typer.Typer(
    help="Import tickets, crews, shifts and zones into the dispatch database.", no_args_is_help=True
)

FileArgument = Annotated[Path, typer.Argument(help="The file to import.", show_default=False)]
RejectsOption = Annotated[
    Path | None,
    typer.Option(help="Import the good rows and write the bad ones to this file, with a reject_reason."),
]
PolicyOption = Annotated[
    Path | None, typer.Option(help="Policy file (dispatch.toml): region time zone, category defaults.")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the report as JSON.")]


def _fail(problems: list[str], *, as_json: bool, warnings: list[str] | None = None) -> NoReturn:
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    for warning in warnings or []:
        err.print(f"warning: {warning}", markup=False)
    for problem in problems:
        err.print(problem, markup=False)
    err.print(f"nothing imported: {len(problems)} problem(s)", markup=False)
    if as_json:
        typer.echo(json.dumps({"ok": False, "errors": problems, "warnings": warnings or []}, indent=2))
    raise typer.Exit(code=1)


def _show(report: ImportReport, *, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps({"ok": True, **report.to_dict()}, indent=2, ensure_ascii=False))
        return
    out = Console(highlight=False, soft_wrap=True)
    table = Table(title=f"Imported {report.kind} from {report.file}")
    for heading in ("rows", "inserted", "updated", "merged", "rejected"):
        table.add_column(heading, justify="right")
    table.add_row(*map(str, (report.rows, report.inserted, report.updated, len(report.merged), report.rejected)))
    out.print(table)
    for new, into in report.merged:
        out.print(f"merged: {new} into open ticket {into} (same customer and category)", markup=False)
    if report.rejects_file:
        out.print(f"{report.rejected} rejected row(s) written to {report.rejects_file}", markup=False)
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    for warning in report.warnings:
        err.print(f"warning: {warning}", markup=False)


def _run(run: Callable[[Session, Policy], ImportReport], *, policy_path: Path | None, as_json: bool) -> None:
    try:
        policy = Policy.load(policy_path)
    except PolicyError as exc:
        _fail([str(exc)], as_json=as_json)
    engine = make_engine(database_url())
    try:
        create_schema(engine)
        with session_scope(engine) as session:
            report = run(session, policy)
    except ImportErrors as exc:
        _fail(exc.errors, as_json=as_json, warnings=exc.warnings)
    except SQLAlchemyError as exc:
        _fail([f"database: {exc.__class__.__name__}: {exc.args[0] if exc.args else exc}"], as_json=as_json)
    finally:
        engine.dispose()
    _show(report, as_json=as_json)


@import_app.command("tickets")
def tickets_command(
    file: FileArgument,
    rejects: RejectsOption = None,
    policy: PolicyOption = None,
    json_output: JsonOption = False,
) -> None:
    """Import tickets.csv. A known ticket id is updated; a second open report for the same customer
    and category is merged into the first. Times without an offset are in the region's time zone.

    Example: dispatch import tickets data/sample/tickets.csv --rejects rejects.csv
    """
    _run(lambda s, p: import_tickets(s, file, policy=p, rejects=rejects), policy_path=policy, as_json=json_output)


@import_app.command("crews")
def crews_command(
    file: FileArgument,
    rejects: RejectsOption = None,
    policy: PolicyOption = None,
    json_output: JsonOption = False,
) -> None:
    """Import crews.csv with their members. A member dropped from a crew is kept, inactive.

    Example: dispatch import crews data/sample/crews.csv
    """
    _run(lambda s, p: import_crews(s, file, rejects=rejects), policy_path=policy, as_json=json_output)


@import_app.command("shifts")
def shifts_command(
    file: FileArgument,
    rejects: RejectsOption = None,
    policy: PolicyOption = None,
    json_output: JsonOption = False,
) -> None:
    """Import shifts.csv (one shift per crew and date; local times, an end before the start is the
    next day). Import the crews first.

    Example: dispatch import shifts data/sample/shifts.csv --json
    """
    _run(lambda s, p: import_shifts(s, file, policy=p, rejects=rejects), policy_path=policy, as_json=json_output)


@import_app.command("zones")
def zones_command(
    file: FileArgument,
    rejects: RejectsOption = None,
    policy: PolicyOption = None,
    json_output: JsonOption = False,
) -> None:
    """Import zones.geojson (polygons with risk weight, closure, speed limit, validity dates).
    With --rejects the bad features are written as GeoJSON.

    Example: dispatch import zones data/sample/zones.geojson --rejects rejected-zones.geojson
    """
    _run(lambda s, p: import_zones(s, file, rejects=rejects), policy_path=policy, as_json=json_output)
