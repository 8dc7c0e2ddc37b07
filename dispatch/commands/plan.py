"""``dispatch plan``, ``dispatch sheets`` and ``dispatch demo``: the dispatcher's nightly job."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, select

from dispatch.commands.common import (
    CLUSTER_FAILURES,
    MAX_ID,
    JobsOption,
    JsonOption,
    PolicyOption,
    SchedulerOption,
    TimeLimitSeconds,
    check_lang,
    check_seconds,
    cluster_for,
    console,
    database_problem,
    err_console,
    fail,
    load_policy,
    open_engine,
    print_json,
    transaction,
)
from dispatch.commands.plan_view import render_plan
from dispatch.core.plan import Plan
from dispatch.core.policy import Policy
from dispatch.io.importing.rows import ImportErrors
from dispatch.io.sheets import SheetError
from dispatch.io.sheets.i18n import Labels
from dispatch.planning.coverage import hazard_gaps
from dispatch.planning.roads import RoadsError
from dispatch.planning.solve import PartsDone, PartsProgress
from dispatch.runtime.files import OutputError, check_output_dir
from dispatch.store.locks import PlanLockedError
from dispatch.store.models.crews import load_crews, load_shifts
from dispatch.store.models.plans import PlanRow, latest_plan, plan_of, published_plan
from dispatch.store.writable import ReadOnlyDatabaseError
from dispatch.usecases.demo import DemoFolderInUse, check_demo_folder, run_demo
from dispatch.usecases.nightly import NothingToPlan, SearchProgress, publish, run_plan
from dispatch.usecases.sheets import write_plan_sheets
from solver import Incumbent

plan_app = typer.Typer(
    help="Plan a day, show it, publish it to the crews.\n\nExample: dispatch plan --date 2026-11-30 --time-limit 30",
    invoke_without_command=True,
)

DateOption = Annotated[dt.datetime | None, typer.Option("--date", formats=["%Y-%m-%d"], help="The day (YYYY-MM-DD).")]
PlanIdOption = Annotated[
    int | None, typer.Option("--plan-id", min=1, max=MAX_ID, help="A specific version (default: the latest).")
]


LangOption = Annotated[
    str, typer.Option(callback=check_lang, help="Language of the output and sheets: id (Bahasa Indonesia) or en.")
]


def _day(value: dt.datetime | None) -> dt.date:
    if value is None:
        fail("--date YYYY-MM-DD is required")
    return value.date()


@contextmanager
def search_progress(what: str, limit: float | None, *, show: bool = True) -> Iterator[SearchProgress | None]:
    """A progress bar over the solver's time limit (``None``: reproducible work, no known end)."""
    with plan_progress(what, limit, show=show) as (update, _parts):
        yield update


@contextmanager
def plan_progress(
    what: str, limit: float | None, *, show: bool = True
) -> Iterator[tuple[SearchProgress | None, PartsProgress | None]]:
    """:func:`search_progress`, and a callback that shows a region's parts solved and tickets served so far."""
    if not show:
        yield None, None
        return
    with Progress(
        TextColumn("[bold]planning[/bold] {task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task(what, total=limit)

        parts: list[str] = []

        def update(elapsed: float, best: Incumbent | None) -> None:
            # Served by priority of the best plan so far (P1 63/63, P2 69/94, ...), not the raw cost.
            text = f"{what}: served {best.served_text()}" if best is not None else what
            text = f"{text}; {parts[-1]}" if parts else text
            progress.update(task, completed=min(elapsed, limit) if limit else elapsed, description=text)

        def on_part(done: PartsDone) -> None:
            parts.append(done.sentence())
            progress.update(task, description=f"{what}; {done.sentence()}")
            if done.done and done.done == done.total:
                err_console.print(done.sentence(), markup=False)

        yield update, on_part


def _warn(message: str) -> None:
    err_console.print(f"warning: {message}", markup=False)


def warn_coverage(plan: Plan, policy: Policy, lang: str) -> None:
    """Warn (stderr) of the hours of the plan's day with no crew on shift having a skill hazards need."""
    labels = Labels(lang, ZoneInfo(policy.region.timezone))
    with transaction() as session:
        crews, shifts = load_crews(session), load_shifts(session, day=plan.date)
    for gap in hazard_gaps(crews, shifts, policy):
        text = labels(
            "cli.coverage_gap",
            date=labels.date(plan.date),
            start=labels.time(gap.start),
            end=labels.time(gap.end, day=plan.date),
            skill=gap.skill,
        )
        err_console.print(text, markup=False)


@plan_app.callback()
def plan_command(
    ctx: typer.Context,
    date: DateOption = None,
    time_limit: TimeLimitSeconds = None,
    reproducible: Annotated[
        bool, typer.Option(help="Fixed search work instead of wall time: identical output on every run.")
    ] = False,
    policy_path: PolicyOption = None,
    lang: LangOption = "id",
    scheduler: SchedulerOption = None,
    jobs: JobsOption = None,
    as_json: JsonOption = False,
) -> None:
    """Plan all open tickets for --date with the crews on shift, and save it as a new draft version.

    First the day before is closed: tickets of its published stops never reported are open again
    (reason "unconfirmed") and planned with the rest.
    A region larger than solver.max_tickets_per_solve is planned in parts, side by side on Dask (a local
    cluster, or --scheduler); progress shows the parts solved and the tickets served so far.

    Example: dispatch plan --date 2026-11-30 --time-limit 30
    """
    if ctx.invoked_subcommand is not None:
        return
    day = _day(date)
    policy = load_policy(policy_path)
    limit = policy.solver.time_limit_s if time_limit is None else time_limit
    engine = open_engine(existing=True)
    try:
        with plan_progress("open tickets", None if reproducible else limit, show=not as_json) as (progress, parts):
            run = run_plan(
                engine=engine,
                day=day,
                policy=policy,
                time_limit=limit,
                reproducible=reproducible,
                now=dt.datetime.now(dt.UTC),
                progress=progress,
                warn=_warn,
                cluster=cluster_for(scheduler, jobs),
                on_part=parts,
            )
            plan = run.plan
    except (PlanLockedError, NothingToPlan, ReadOnlyDatabaseError) as exc:
        fail(str(exc))
    except RoadsError as exc:  # road tiles missing, a bad closures file, a ticket off the roads
        fail(exc.problems)
    except CLUSTER_FAILURES as exc:
        fail(f"{exc}; nothing was saved")
    except SQLAlchemyError as exc:
        fail(database_problem(exc))
    except KeyboardInterrupt:
        fail("interrupted: nothing was saved", code=130)
    finally:
        engine.dispose()
    if run.unconfirmed:
        labels = Labels(lang, ZoneInfo(policy.region.timezone))
        note = labels("cli.unconfirmed_returned", count=len(run.unconfirmed), day=day - dt.timedelta(days=1))
        _warn(f"{note}: {', '.join(run.unconfirmed[:10])}{' ...' if len(run.unconfirmed) > 10 else ''}")
    warn_coverage(plan, policy, lang)
    if as_json:
        print_json(plan.to_json())
    else:
        render_plan(plan, lang=lang)
        console.print(Labels(lang, ZoneInfo(policy.region.timezone))("view.saved_draft", plan_id=plan.plan_id, day=day))


def _plan_row(session: Session, day: dt.date, plan_id: int | None) -> PlanRow:
    if plan_id is not None:
        row = session.get(PlanRow, plan_id)
        if row is None or row.plan_date != day:
            fail(f"no plan {plan_id} for {day}")
        return row
    row = latest_plan(session, day=day)
    if row is None:
        fail(f"no plan for {day}: run `dispatch plan --date {day}` first")
    return row


@plan_app.command("show")
def show_command(
    date: DateOption = None,
    plan_id: PlanIdOption = None,
    published: Annotated[bool, typer.Option(help="Show the published plan rather than the latest.")] = False,
    policy_path: PolicyOption = None,
    lang: LangOption = "id",
    as_json: JsonOption = False,
) -> None:
    """Print a plan: the latest version for --date, the published one, or --plan-id.

    Example: dispatch plan show --date 2026-11-30 --json
    """
    day = _day(date)
    with transaction() as session:
        row = published_plan(session, day=day) if published else _plan_row(session, day, plan_id)
        if row is None:
            fail(f"no published plan for {day}")
        plan = plan_of(row)
    warn_coverage(plan, load_policy(policy_path), lang)
    if as_json:
        print_json(plan.to_json())
    else:
        render_plan(plan, lang=lang)


@plan_app.command("list")
def list_command(date: DateOption = None, as_json: JsonOption = False) -> None:
    """List the saved plan versions of --date.

    Example: dispatch plan list --date 2026-11-30
    """
    day = _day(date)
    with transaction() as session:
        rows = session.exec(select(PlanRow).where(PlanRow.plan_date == day).order_by(PlanRow.version)).all()
        items = [
            {
                "plan_id": r.id,
                "version": r.version,
                "kind": r.kind,
                "status": r.status,
                "created_at": plan.created_at.isoformat() if plan.created_at else None,
                "objective": r.objective,
                "served": plan.summary.served,
            }
            for r, plan in ((r, plan_of(r)) for r in rows)
        ]
    if as_json:
        print_json(items)
        return
    for it in items:
        console.print(
            f"plan {it['plan_id']}  v{it['version']}  {it['kind']:<7} {it['status']:<10} {it['created_at']}  "
            f"served {it['served']}"
        )


@plan_app.command("publish")
def publish_command(
    date: DateOption = None,
    plan_id: PlanIdOption = None,
    lang: LangOption = "id",
) -> None:
    """Publish a plan version (default: the latest for --date) as the one crews get.

    Example: dispatch plan publish --date 2026-11-30
    """
    day = _day(date)
    with transaction() as session:
        row = _plan_row(session, day, plan_id)
        publish(session, plan_id=row.id, now=dt.datetime.now(dt.UTC))  # type: ignore[arg-type]
        published = Labels(lang, dt.UTC)("view.published", plan_id=row.id, version=row.version, day=day)
        console.print(published)


def sheets_command(
    date: DateOption = None,
    crew: Annotated[str | None, typer.Option(help="Only this crew's sheets.")] = None,
    lang: Annotated[str, typer.Option(help="id (Bahasa Indonesia) or en.")] = "id",
    out: Annotated[Path, typer.Option(help="Output folder.")] = Path("sheets"),
    policy_path: PolicyOption = None,
) -> None:
    """Write route sheets of the published plan: PDF, phone HTML, CSV and GeoJSON per crew, plus an index.

    Example: dispatch sheets --date 2026-11-30 --lang en --out sheets/
    """
    day = _day(date)
    policy = load_policy(policy_path)
    try:
        check_output_dir(out, what="--out")
    except OutputError as exc:
        fail(str(exc))
    t0 = time.monotonic()
    with transaction() as session:
        row = published_plan(session, day=day)
        if row is None:
            fail(f"no published plan for {day}: run `dispatch plan publish --date {day}` first")
        plan = plan_of(row)
        if crew is not None and plan.route(crew) is None:
            fail(f"crew {crew} has no route in the published plan for {day}")
        try:
            files = write_plan_sheets(session, plan=plan, policy=policy, out=out, lang=lang, crew=crew)
        except ValueError as exc:  # SheetError, OutputError, or a ticket that lost its coordinates
            fail(str(exc))
    console.print(f"Wrote {len(files)} files to {out}/ in {time.monotonic() - t0:.1f} s")


def _road_line(line: str) -> None:
    err_console.print(f"  roads: {line}", markup=False, style="dim")


def demo_command(
    out: Annotated[Path, typer.Option(help="Folder for the demo database and outputs.")] = Path("demo-output"),
    time_limit: Annotated[float, typer.Option(callback=check_seconds, help="Solver seconds.")] = 20.0,
    lang: LangOption = "id",
    force: Annotated[
        bool, typer.Option("--force", help="Replace a database, policy or plan in --out that no demo wrote.")
    ] = False,
    roads: Annotated[
        bool,
        typer.Option(
            "--roads", help="Plan on the sample's synthetic road network (Valhalla; slower: about 2 minutes)."
        ),
    ] = False,
) -> None:
    """Load the bundled sample region into a new SQLite file, plan the next day, publish, write route sheets.
    A folder holding a database or policy the demo did not write is refused unless --force.

    Example: dispatch demo --out demo-output --time-limit 20   (add --roads to plan on road times)
    """
    now = dt.datetime.now(dt.UTC)
    try:
        check_demo_folder(out, force=force)
        check_output_dir(out, what="--out")
    except (DemoFolderInUse, OutputError) as exc:
        fail(str(exc))
    t = Labels(lang, dt.UTC)
    console.print(t("view.demo_region"))
    try:
        with search_progress("open tickets", time_limit) as progress:
            run = run_demo(out=out, time_limit=time_limit, lang=lang, now=now, progress=progress, force=force,
                           roads=roads, roads_progress=_road_line if roads else None)  # fmt: skip
    except ImportErrors as exc:
        fail(["the bundled sample did not import:", *exc.errors], warnings=exc.warnings)
    except (DemoFolderInUse, OutputError, SheetError) as exc:
        fail(str(exc))
    except RoadsError as exc:
        fail(exc.problems)
    for what, count in run.imported.items():
        noun = t(f"view.what.{what}") if t.has(f"view.what.{what}") else what
        console.print("  " + t("view.demo_imported", count=count, what=noun))
    render_plan(run.plan, lang=lang)
    outputs = t("view.demo_outputs", out=out, sheets=len(run.sheets), seconds=t.number(run.sheets_s, digits=1),
                database=run.database, day=run.day)  # fmt: skip
    console.print("\n" + outputs, markup=False)
