"""``dispatch import ...``: load tickets, crews, shifts and zones from files into the database.

Each command runs in one transaction: it imports the whole file or nothing, unless ``--rejects``
is given, in which case the good rows are imported and the bad ones written to that file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TaskID, TaskProgressColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from dispatch.commands.common import (
    JsonOption,
    PolicyOption,
    console,
    database_problem,
    err_console,
    fail,
    open_engine,
    policy_file,
    print_json,
)
from dispatch.core.policy import Policy, PolicyError
from dispatch.io.importing.assets import import_assets
from dispatch.io.importing.crews import import_crews
from dispatch.io.importing.rows import ImportErrors, ImportReport
from dispatch.io.importing.shifts import import_shifts
from dispatch.io.importing.tickets import ImportProgress, import_tickets
from dispatch.io.importing.zones import import_zones
from dispatch.runtime.files import OutputError, check_output_file
from dispatch.store.db import session_scope

import_app = typer.Typer(
    help="Import tickets, crews, shifts, zones and the network (assets) into the dispatch database.\n\n"
    "Example: dispatch import tickets data/sample/tickets.csv --rejects rejects.csv",
    no_args_is_help=True,
)

FileArgument = Annotated[Path, typer.Argument(help="The file to import.", show_default=False)]
RejectsOption = Annotated[
    Path | None,
    typer.Option(help="Import the good rows and write the bad ones to this file, with a reject_reason."),
]


def _nothing_imported(count: int) -> str:
    return f"nothing imported: {count} problem(s)"


def show_report(report: ImportReport, *, as_json: bool) -> None:
    """What an import did: a table (or JSON), merged tickets, where the rejects went, warnings on stderr."""
    if as_json:
        print_json({"ok": True, **report.to_dict()})
        return
    table = Table(title=f"Imported {report.kind} from {report.file}")
    for heading in ("rows", "inserted", "updated", "merged", "rejected"):
        table.add_column(heading, justify="right")
    table.add_row(*map(str, (report.rows, report.inserted, report.updated, len(report.merged), report.rejected)))
    console.print(table)
    for new, into in report.merged:
        console.print(f"merged: {new} into open ticket {into} (same customer and category)", markup=False)
    if report.rejects_file:
        console.print(f"{report.rejected} rejected row(s) written to {report.rejects_file}", markup=False)
    for warning in report.warnings:
        err_console.print(f"warning: {warning}", markup=False)


def run_import(
    run: Callable[[Session, Policy], ImportReport],
    *,
    source: Path,
    rejects: Path | None,
    policy_path: Path | None,
    as_json: bool,
) -> None:
    """Run one import of ``source`` in one transaction and show its report. Any problem imports nothing:
    every problem on stderr (with --json also as a JSON error object on stdout) and exit 1. A ``rejects``
    path that is a folder, the input itself or not writable is refused before reading anything."""
    if rejects is not None:
        try:
            check_output_file(rejects, what="--rejects", inputs=[source])
        except OutputError as exc:
            fail(str(exc), as_json=as_json, summary=_nothing_imported(1))
    try:
        # Not load_policy: a bad policy file, too, ends in "nothing imported".
        policy = Policy.load(policy_file(policy_path))
    except PolicyError as exc:
        fail(str(exc), as_json=as_json, summary=_nothing_imported(1))
    engine = open_engine(as_json=as_json)
    try:
        with session_scope(engine) as session:
            report = run(session, policy)
    except ImportErrors as exc:
        fail(exc.errors, as_json=as_json, warnings=exc.warnings, summary=_nothing_imported(len(exc.errors)))
    except SQLAlchemyError as exc:
        fail(database_problem(exc), as_json=as_json, summary=_nothing_imported(1))
    except OutputError as exc:  # the rejects could not be written: the transaction was rolled back
        fail(str(exc), as_json=as_json, summary=_nothing_imported(1))
    finally:
        engine.dispose()
    show_report(report, as_json=as_json)


@import_app.command("tickets")
def tickets_command(
    file: FileArgument,
    rejects: RejectsOption = None,
    policy_path: PolicyOption = None,
    as_json: JsonOption = False,
) -> None:
    """Import tickets.csv. A known ticket id is updated; a second open report for the same customer
    and category is merged into the first. Times without an offset are in the region's time zone.

    Example: dispatch import tickets data/sample/tickets.csv --rejects rejects.csv
    """
    with import_progress(file) as progress:
        run_import(
            lambda s, p: import_tickets(s, file, policy=p, rejects=rejects, progress=progress),
            source=file,
            rejects=rejects,
            policy_path=policy_path,
            as_json=as_json,
        )


@contextmanager
def import_progress(file: Path) -> Iterator[ImportProgress | None]:
    """A progress bar on stderr (a terminal only) for a large import: bytes read, then tickets stored."""
    if not err_console.is_terminal:
        yield None
        return
    with Progress(
        TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(), TimeElapsedColumn(),
        console=err_console, transient=True,
    ) as bar:  # fmt: skip
        tasks: dict[str, TaskID] = {}

        def update(phase: str, done: int, total: int) -> None:
            if phase not in tasks:
                what = f"reading {file.name}" if phase == "read" else "storing tickets"
                tasks[phase] = bar.add_task(what, total=total)
            bar.update(tasks[phase], completed=done, total=total)

        yield update


@import_app.command("crews")
def crews_command(
    file: FileArgument,
    rejects: RejectsOption = None,
    policy_path: PolicyOption = None,
    as_json: JsonOption = False,
) -> None:
    """Import crews.csv with their members. A member dropped from a crew is kept, inactive.

    Example: dispatch import crews data/sample/crews.csv
    """
    run_import(
        lambda s, p: import_crews(s, file, policy=p, rejects=rejects),
        source=file,
        rejects=rejects,
        policy_path=policy_path,
        as_json=as_json,
    )


@import_app.command("shifts")
def shifts_command(
    file: FileArgument,
    rejects: RejectsOption = None,
    policy_path: PolicyOption = None,
    as_json: JsonOption = False,
) -> None:
    """Import shifts.csv (one shift per crew and date; local times, an end before the start is the
    next day). Import the crews first.

    Example: dispatch import shifts data/sample/shifts.csv --json
    """
    run_import(
        lambda s, p: import_shifts(s, file, policy=p, rejects=rejects),
        source=file,
        rejects=rejects,
        policy_path=policy_path,
        as_json=as_json,
    )


@import_app.command("zones")
def zones_command(
    file: FileArgument,
    rejects: RejectsOption = None,
    policy_path: PolicyOption = None,
    as_json: JsonOption = False,
) -> None:
    """Import zones.geojson (polygons with risk weight, closure, speed limit, validity dates).
    With --rejects the bad features are written as GeoJSON.

    Example: dispatch import zones data/sample/zones.geojson --rejects rejected-zones.geojson
    """
    run_import(
        lambda s, p: import_zones(s, file, policy=p, rejects=rejects),
        source=file,
        rejects=rejects,
        policy_path=policy_path,
        as_json=as_json,
    )


@import_app.command("assets")
def assets_command(
    file: FileArgument,
    rejects: RejectsOption = None,
    policy_path: PolicyOption = None,
    as_json: JsonOption = False,
) -> None:
    """Import assets.csv, the distribution network: asset_id, kind (transformer or feeder_section), lat,
    lon, parent_id (the upstream feeder section; empty at the substation feeder), customers, name. A known
    asset id is updated. Tickets link to it through transformer_id; wide outages are grouped by it.

    Example: dispatch import assets data/sample/assets.csv --rejects rejected-assets.csv
    """
    run_import(
        lambda s, p: import_assets(s, file, policy=p, rejects=rejects),
        source=file,
        rejects=rejects,
        policy_path=policy_path,
        as_json=as_json,
    )
