"""``dispatch scenario ...``: what-if runs on copies of the live data, compared side by side.

Every command reads the live data read-only and writes only the ``scenario_run`` table.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlmodel import Session

from dispatch.commands.common import (
    MAX_COUNT,
    JobsOption,
    JsonOption,
    PolicyOption,
    SchedulerOption,
    check_lang,
    check_seconds,
    cluster_for,
    console,
    err_console,
    fail,
    load_policy,
    open_engine,
    parts_status,
    print_json,
    reported,
)
from dispatch.commands.plan_view import render_plan
from dispatch.commands.scenario_view import print_sweep, render_comparison, render_list, render_run
from dispatch.core.plan import Plan
from dispatch.core.policy import Policy
from dispatch.runtime.cluster import Cluster
from dispatch.runtime.fanout import workers_for
from dispatch.runtime.files import OutputError, check_output_file
from dispatch.scenarios.apply import apply_scenario
from dispatch.scenarios.charts import draw_comparison, draw_sweep
from dispatch.scenarios.compare import (
    StoredRun,
    comparison,
    monotone_falls,
    monotone_text,
    step_answers,
    sweep_verdict,
)
from dispatch.scenarios.live import load_live_inputs
from dispatch.scenarios.parse import load_scenario
from dispatch.scenarios.run import ScenarioRun, scenario_day
from dispatch.scenarios.spec import Scenario, ScenarioError
from dispatch.scenarios.sweep import SweepResult, parse_set, write_sweep_csv
from dispatch.store.db import database_url
from dispatch.store.models.scenarios import ScenarioRunRow, find_run, list_runs
from dispatch.usecases.scenarios import run_scenario, run_sweep

scenario_app = typer.Typer(
    help="What-if scenarios: change a copy of a day's data, plan it, compare. Live data is never changed."
    "\n\nExample: dispatch scenario run data/scenarios/home-cap-6.toml --time-limit 10",
    no_args_is_help=True,
)

FileArgument = Annotated[
    Path, typer.Argument(help="A scenario file (TOML, see docs/scenarios.md).", show_default=False)
]
DateOption = Annotated[
    dt.datetime | None,
    typer.Option("--date", formats=["%Y-%m-%d"], help="Base date (YYYY-MM-DD); default: the file's base_date."),
]
TimeLimitOption = Annotated[
    float | None,
    typer.Option(
        callback=check_seconds,
        help="Search effort in seconds, turned into a fixed solution count so runs are reproducible "
        "(default: policy solver.time_limit_s).",
    ),
]


LangOption = Annotated[
    str,
    typer.Option(
        "--lang",
        callback=check_lang,
        help="Language of the tables, header lines, answers and limits: id (Bahasa Indonesia) or en.",
    ),
]
SolutionsOption = Annotated[
    int | None,
    typer.Option(
        "--solutions", min=1, max=MAX_COUNT, help="Search effort as a solution count (overrides --time-limit)."
    ),
]


def _live_url() -> str:
    """The live database's URL, once it is known to exist (every table there; no row changes)."""
    open_engine(existing=True).dispose()
    return database_url()


def _load(file: Path, *, date: dt.datetime | None, policy_path: Path | None) -> tuple[Scenario, Policy, dt.date]:
    """The scenario file, the live policy and the base date (--date, else the file's base_date)."""
    scenario = load_scenario(file)
    policy = load_policy(policy_path)
    return scenario, policy, scenario_day(scenario, date.date() if date else None)


@scenario_app.command("run")
def run_command(
    file: FileArgument,
    date: DateOption = None,
    time_limit: TimeLimitOption = None,
    solutions: SolutionsOption = None,
    policy_path: PolicyOption = None,
    scheduler: SchedulerOption = None,
    jobs: JobsOption = None,
    lang: LangOption = "en",
    as_json: JsonOption = False,
) -> None:
    """Plan a scenario on a copy of the base date's live data and store the run (only the run).

    A region's parts are solved side by side on Dask (a local cluster, or --scheduler).

    The live data is read in one read-only transaction; the plan is reproducible (the same file
    gives the same numbers); several runs may go at once.

    Example: dispatch scenario run data/scenarios/quarantine-three-crews.toml --time-limit 10
    """
    with reported(ScenarioError):
        scenario, policy, day = _load(file, date=date, policy_path=policy_path)
        url = _live_url()
        with parts_status(f"planning scenario {scenario.name} for {day} ...") as on_part:
            row = run_scenario(
                url,
                scenario,
                policy=policy,
                day=day,
                time_limit=time_limit,
                solution_limit=solutions,
                cluster=cluster_for(scheduler, jobs),
                on_part=on_part,
            )
    summary = row.summary()
    if as_json:
        print_json(summary)
    else:
        render_run(summary, StoredRun.of(row), lang=lang)


@scenario_app.command("validate")
def validate_command(
    file: FileArgument,
    date: DateOption = None,
    policy_path: PolicyOption = None,
    as_json: JsonOption = False,
) -> None:
    """Check a scenario file and apply it to the live data without planning: lists the changes.

    Example: dispatch scenario validate data/scenarios/storm-surge.toml
    """
    with reported(ScenarioError):
        scenario, policy, day = _load(file, date=date, policy_path=policy_path)
        inputs = load_live_inputs(_live_url(), day=day, policy=policy)
        applied = apply_scenario(scenario, inputs, policy)
    result = {
        "ok": True,
        "name": scenario.name,
        "base_date": day.isoformat(),
        "tickets": len(applied.inputs.tickets),
        "crews": len(applied.inputs.crews),
        "changes": list(applied.changes),
    }
    if as_json:
        print_json(result)
        return
    console.print(
        f"{file}: scenario {scenario.name} on {day} is valid: {result['tickets']} tickets, {result['crews']} crews",
        markup=False,
    )
    for change in applied.changes:
        console.print(f"  - {change}", markup=False)


@scenario_app.command("list")
def list_command(
    limit: Annotated[int, typer.Option(min=1, max=MAX_COUNT, help="Show at most this many runs, newest first.")] = 50,
    lang: LangOption = "en",
    as_json: JsonOption = False,
) -> None:
    """List stored scenario runs, newest first.

    Example: dispatch scenario list --limit 20
    """
    with reported(ScenarioError):
        engine = open_engine(existing=True)
        try:
            with Session(engine) as session:
                rows = list_runs(session, limit=limit)
                runs = [_list_entry(r) for r in rows]
                typed = [StoredRun.of(r) for r in rows]
        finally:
            engine.dispose()
    if as_json:
        print_json(runs)
        return
    render_list(runs, typed, lang=lang)


def _list_entry(row: ScenarioRunRow) -> dict[str, Any]:
    summary = row.summary()
    return {k: summary[k] for k in ("id", "name", "base_date", "created_at", "sweep", "status", "kpis")}


@scenario_app.command("show")
def show_command(
    ref: Annotated[str, typer.Argument(help="A stored run: its id, or its name (the latest run of that name).")],
    plan: Annotated[bool, typer.Option("--plan", help="Also show the plan (routes and unassigned tickets).")] = False,
    lang: LangOption = "en",
    as_json: JsonOption = False,
) -> None:
    """Show a stored scenario run: what was changed and its KPIs (and with --plan, the plan).

    Example: dispatch scenario show storm-surge --plan
    """
    with reported(ScenarioError):
        engine = open_engine(existing=True)
        try:
            with Session(engine) as session:
                row = find_run(session, ref)
                if row is None:
                    fail(f"no stored scenario run {ref!r} (see `dispatch scenario list`)")
                summary = row.summary()
                stored = StoredRun.of(row)
                plan_doc = Plan.from_json(row.document)
                text = row.scenario_text
        finally:
            engine.dispose()
    if as_json:
        print_json({**summary, "scenario_text": text, **({"plan": plan_doc.to_json()} if plan else {})})
        return
    render_run(summary, stored, lang=lang)
    if plan:
        render_plan(plan_doc, lang=lang)


def _resolve(
    refs: list[str], *, policy_path: Path | None, day: dt.date | None, time_limit: float | None, solutions: int | None
) -> list[StoredRun]:
    """Stored runs by id or name; scenario files are run (and stored) first."""
    url = database_url()
    summaries: list[StoredRun] = []
    policy: Policy | None = None
    engine = open_engine(existing=True)
    try:
        for ref in refs:
            path = Path(ref)
            if path.suffix == ".toml" or path.is_file():
                scenario = load_scenario(path)
                policy = policy or load_policy(policy_path)
                with err_console.status(f"planning scenario {scenario.name} ..."):
                    row = run_scenario(
                        url, scenario, policy=policy, day=day, time_limit=time_limit, solution_limit=solutions
                    )
                summaries.append(StoredRun.of(row))
                continue
            with Session(engine) as session:
                found = find_run(session, ref)
                if found is None:
                    raise ScenarioError(
                        [f"{ref}: no stored scenario run and no such file (see `dispatch scenario list`)"]
                    )
                summaries.append(StoredRun.of(found))
    finally:
        engine.dispose()
    return summaries


@scenario_app.command("compare")
def compare_command(
    base: Annotated[str, typer.Argument(help="The base: a stored run (id or name) or a scenario file to run.")],
    others: Annotated[list[str], typer.Argument(help="Runs or scenario files compared against the base.")],
    png: Annotated[Path | None, typer.Option("--png", help="Also draw the main KPIs as bars into this PNG.")] = None,
    date: DateOption = None,
    time_limit: TimeLimitOption = None,
    solutions: SolutionsOption = None,
    policy_path: PolicyOption = None,
    lang: LangOption = "en",
    as_json: JsonOption = False,
) -> None:
    """Compare runs' KPIs side by side, with deltas against the base, and answer each in one line.

    Tickets served by priority, P1/P2 within target, customer-minutes, km, crew hours, homes and
    exposure per worker, workers at each limit, unassigned by reason. Scenario files are run (and
    stored) first. Below the table, one line per run: what changed, served, customers waiting, the
    quantity the changed value limits and which limit binds (a cap nobody reaches says so).

    Example: dispatch scenario compare baseline data/scenarios/home-cap-6.toml --png compare.png
    """
    with reported(ScenarioError, OutputError):
        if png is not None:
            check_output_file(png, what="--png")
        runs = _resolve(
            [base, *others],
            policy_path=policy_path,
            day=date.date() if date else None,
            time_limit=time_limit,
            solutions=solutions,
        )
        result = comparison(runs, lang=lang)
        if png is not None:
            draw_comparison(runs, png)
    if as_json:
        print_json({**result, "png": str(png) if png else None})
        return
    render_comparison(runs, result, png=png, lang=lang)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower() or "scenario"


@scenario_app.command("sweep")
def sweep_command(
    file: FileArgument,
    set_: Annotated[
        list[str],
        typer.Option(
            "--set",
            help="A policy value and its values: KEY=LOW..HIGH, KEY=LOW..HIGH:STEP or KEY=A,B,C (repeat for a grid).",
        ),
    ],
    date: DateOption = None,
    time_limit: TimeLimitOption = None,
    solutions: SolutionsOption = None,
    jobs: Annotated[
        int | None,
        typer.Option(min=1, max=256, help="Plans run at once: the local cluster's size (default: one per core)."),
    ] = None,
    scheduler: SchedulerOption = None,
    csv_path: Annotated[Path | None, typer.Option("--csv", help="CSV of the grid (default: sweep-NAME.csv).")] = None,
    png: Annotated[Path | None, typer.Option("--png", help="Trade-off chart (default: sweep-NAME.png).")] = None,
    policy_path: PolicyOption = None,
    lang: LangOption = "en",
    as_json: JsonOption = False,
) -> None:
    """Run a scenario over a grid of policy values in parallel and chart the trade-off.

    One plan per worker (a local Dask cluster of one per core, or --scheduler), each stored as a run;
    writes a CSV and a chart of served tickets, P1 response, the quantity the value limits and customers
    not reached against the first value, with the Pareto front marked; prints one line per step (the
    tighter value against its looser neighbour) and where the swept limit binds.

    Example: dispatch scenario sweep data/scenarios/home-cap-6.toml --set exposure.max_homes_per_shift=4..12
    """
    with reported(ScenarioError, OutputError):
        scenario = load_scenario(file)
        sets = [parse_set(s) for s in set_]
        policy = load_policy(policy_path)
        slug = _slug(scenario.name)
        csv_path = csv_path or Path(f"sweep-{slug}.csv")
        png = png or Path(f"sweep-{slug}.png")
        check_output_file(csv_path, what="--csv", inputs=[file])
        check_output_file(png, what="--png", inputs=[file])
        url = _live_url()
        with _sweep_progress(scenario.name, jobs, show=not as_json) as (started, done):
            result = run_sweep(
                url,
                scenario,
                sets,
                policy=policy,
                day=date.date() if date else None,
                time_limit=time_limit,
                solution_limit=solutions,
                cluster=cluster_for(scheduler, jobs),
                on_start=started,
                on_done=done,
            )
        write_sweep_csv(result, csv_path)
        draw_sweep(result, png, lang=lang)
    _report_sweep(result, csv_path=csv_path, png=png, lang=lang, as_json=as_json)


def _report_sweep(result: SweepResult, *, csv_path: Path, png: Path, lang: str, as_json: bool) -> None:
    """The sweep's points, one line per step, where the swept limit binds and whether served by priority
    ever falls as the value loosens (--json: the same as one document)."""
    table_rows = result.table()
    key = result.keys[0]
    answers = step_answers(result.points(), key, lang=lang)
    verdict = sweep_verdict(result.points(), key, lang=lang)
    falls = monotone_falls(result.points(), key)
    if as_json:
        print_json(
            {
                "sweep": result.sweep,
                "wall_time_s": result.wall_time,
                "jobs": result.jobs,
                "csv": str(csv_path),
                "png": str(png),
                "points": table_rows,
                "answers": answers,
                "binds": verdict,
                "served_by_priority_falls": [
                    {"tighter": dict(t.values), "looser": dict(loose.values)} for t, loose in falls
                ],
            }  # fmt: skip
        )
        return
    print_sweep(result, table_rows, csv_path=csv_path, png=png, lang=lang)
    for line in answers:
        console.print(line, markup=False)
    if verdict:
        console.print(verdict, markup=False)
    console.print(monotone_text(result.points(), key, lang=lang), markup=False)


@contextmanager
def _sweep_progress(
    name: str, jobs: int | None, *, show: bool
) -> Iterator[tuple[Callable[[int], None], Callable[[int, ScenarioRun], None]]]:
    """A progress bar over the sweep's points: (called with the point count, called as each point ends)."""
    with Progress(
        TextColumn("[bold]sweep[/bold] {task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
        disable=not show,
    ) as progress:
        task = progress.add_task(name, total=None)

        def started(total: int) -> None:
            where = f"on {workers_for(total, jobs)} local workers" if Cluster(jobs=jobs).address() is None else ""
            progress.update(task, total=total, description=f"{name} {where}".strip())

        def done(_i: int, run: ScenarioRun) -> None:
            point = ", ".join(f"{k}={v}" for k, v in run.overrides.items())
            progress.update(task, advance=1, description=f"{name}: {point} served {run.kpis.served}")

        yield started, done
