"""``dispatch plan``, ``dispatch sheets`` and ``dispatch demo``: the dispatcher's nightly job."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import time
from importlib import resources
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from sqlmodel import Session, select

from dispatch.commands.common import (
    JsonOption,
    PolicyOption,
    console,
    err_console,
    fail,
    load_policy,
    open_engine,
    print_json,
    render_plan,
    transaction,
)
from dispatch.core.domain import PlanInputs, Ticket
from dispatch.core.policy import Policy
from dispatch.ledger.publish import publish_plan
from dispatch.planning.inputs import load_inputs
from dispatch.planning.nightly import PlanResult, make_plan
from dispatch.planning.persist import save_plan
from dispatch.store.db import session_scope
from dispatch.store.locks import PlanLockedError, exclusive
from dispatch.store.models import PlanRow, TicketRow, load_crews, load_zones, unlocated_open_ticket_ids
from dispatch.store.models.plans import latest_plan, published_plan

plan_app = typer.Typer(
    help="Plan a day, show it, publish it to the crews.\n\nExample: dispatch plan --date 2026-11-30 --time-limit 30",
    invoke_without_command=True,
)

DateOption = Annotated[dt.datetime | None, typer.Option("--date", formats=["%Y-%m-%d"], help="The day (YYYY-MM-DD).")]
PlanIdOption = Annotated[int | None, typer.Option("--plan-id", help="A specific version (default: the latest).")]


def _day(value: dt.datetime | None) -> dt.date:
    if value is None:
        fail("--date YYYY-MM-DD is required")
    return value.date()


def run_plan(
    *,
    engine: Any,
    day: dt.date,
    policy: Policy,
    time_limit: float | None,
    reproducible: bool,
    show_progress: bool = True,
) -> dict[str, Any]:
    """Load, solve and save one plan version, holding the date's planning lock throughout."""
    limit = policy.solver.time_limit_s if time_limit is None else time_limit
    with exclusive(engine, f"plan {day.isoformat()}"):
        with session_scope(engine) as session:
            inputs = load_inputs(session, day=day, policy=policy)
            unlocated = unlocated_open_ticket_ids(session)
        if unlocated:
            # Open tickets without coordinates cannot be routed; say so rather than drop them quietly.
            err_console.print(
                f"warning: {len(unlocated)} open ticket(s) have no coordinates and are not planned "
                f"(geocode their addresses): {', '.join(unlocated[:10])}{' ...' if len(unlocated) > 10 else ''}",
                markup=False,
            )
        if not inputs.tickets:
            fail(f"no open tickets to plan for {day}: import some with `dispatch import tickets FILE`")
        if not any(s.date == day for s in inputs.shifts):
            fail(f"no crew has a shift on {day}: import shifts with `dispatch import shifts FILE`")
        result = _solve_with_progress(inputs, policy, limit, reproducible, show_progress)
        result.document["unlocated_tickets"] = unlocated
        with session_scope(engine) as session:
            return save_plan(
                session,
                result=result,
                now=dt.datetime.now(dt.UTC),
                time_limit=limit,
                reproducible=reproducible,
            )


def _solve_with_progress(
    inputs: PlanInputs, policy: Policy, limit: float, reproducible: bool, show: bool
) -> PlanResult:
    if not show:
        return make_plan(inputs, policy, time_limit=limit, reproducible=reproducible)
    with Progress(
        TextColumn("[bold]planning[/bold] {task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task(f"{len(inputs.tickets)} tickets", total=None if reproducible else limit)
        t0 = time.monotonic()

        def update(elapsed: float, best: int | None) -> None:
            text = (
                f"{len(inputs.tickets)} tickets, best cost {best:,}"
                if best is not None
                else f"{len(inputs.tickets)} tickets"
            )
            progress.update(task, completed=min(elapsed, limit), description=text)

        result = make_plan(inputs, policy, time_limit=limit, reproducible=reproducible, progress=update)
        progress.update(task, completed=limit, description=f"done in {time.monotonic() - t0:.1f} s")
    return result


@plan_app.callback()
def plan_command(
    ctx: typer.Context,
    date: DateOption = None,
    time_limit: Annotated[
        float | None, typer.Option(help="Solver seconds (default: policy solver.time_limit_s).")
    ] = None,
    reproducible: Annotated[
        bool, typer.Option(help="Fixed search work instead of wall time: identical output on every run.")
    ] = False,
    policy_path: PolicyOption = None,
    as_json: JsonOption = False,
) -> None:
    """Plan all open tickets for --date with the crews on shift, and save it as a new draft version.

    Example: dispatch plan --date 2026-11-30 --time-limit 30
    """
    if ctx.invoked_subcommand is not None:
        return
    day = _day(date)
    policy = load_policy(policy_path)
    engine = open_engine()
    try:
        doc = run_plan(
            engine=engine,
            day=day,
            policy=policy,
            time_limit=time_limit,
            reproducible=reproducible,
            show_progress=not as_json,
        )
    except PlanLockedError as exc:
        fail(str(exc))
    except KeyboardInterrupt:
        fail("interrupted: nothing was saved", code=130)
    finally:
        engine.dispose()
    if as_json:
        print_json(doc)
    else:
        render_plan(doc)
        console.print(f"Saved as draft plan {doc['plan_id']}. Publish it with: dispatch plan publish --date {day}")


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
        doc = json.loads(row.document)
        doc["status"] = row.status
    if as_json:
        print_json(doc)
    else:
        render_plan(doc)


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
                "created_at": r.created_at.isoformat(),
                "objective": r.objective,
                "served": json.loads(r.document)["summary"]["served"],
            }
            for r in rows
        ]
    if as_json:
        print_json(items)
        return
    for it in items:
        console.print(
            f"plan {it['plan_id']}  v{it['version']}  {it['kind']:<7} {it['status']:<10} {it['created_at']}  "
            f"served {it['served']}"
        )


def publish(session: Session, *, row: PlanRow, now: dt.datetime) -> None:
    """Make ``row`` the plan crews get; the exposure ledger records its planned exposure."""
    publish_plan(session, plan_id=row.id, now=now)  # type: ignore[arg-type]


@plan_app.command("publish")
def publish_command(
    date: DateOption = None,
    plan_id: PlanIdOption = None,
) -> None:
    """Publish a plan version (default: the latest for --date) as the one crews get.

    Example: dispatch plan publish --date 2026-11-30
    """
    day = _day(date)
    with transaction() as session:
        row = _plan_row(session, day, plan_id)
        publish(session, row=row, now=dt.datetime.now(dt.UTC))
        console.print(f"Published plan {row.id} (version {row.version}) for {day}.")


def load_tickets(session: Session, ids: list[str]) -> dict[str, Ticket]:
    out: dict[str, Ticket] = {}
    for i in range(0, len(ids), 500):
        for row in session.exec(select(TicketRow).where(TicketRow.ticket_id.in_(ids[i : i + 500]))):  # type: ignore[attr-defined]
            out[row.ticket_id] = row.to_domain()
    return out


def write_plan_sheets(
    session: Session, *, doc: dict[str, Any], policy: Policy, out: Path, lang: str, crew: str | None
) -> list[Path]:
    from dispatch.io.sheets import write_sheets

    ids = [s["ticket_id"] for r in doc["routes"] for s in r["steps"] if s["type"] == "visit"]
    ids += [u["ticket_id"] for u in doc["unassigned"]]
    tickets = load_tickets(session, ids)
    crews = {c.crew_id: c for c in load_crews(session)}
    zones = load_zones(session, day=dt.date.fromisoformat(doc["date"]))
    return write_sheets(
        plan=doc, tickets=tickets, crews=crews, zones=zones, policy=policy, out_dir=out, lang=lang, crew_id=crew
    )


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
    t0 = time.monotonic()
    with transaction() as session:
        row = published_plan(session, day=day)
        if row is None:
            fail(f"no published plan for {day}: run `dispatch plan publish --date {day}` first")
        doc = json.loads(row.document)
        doc["status"] = row.status
        if crew is not None and crew not in {r["crew_id"] for r in doc["routes"]}:
            fail(f"crew {crew} has no route in the published plan for {day}")
        try:
            files = write_plan_sheets(session, doc=doc, policy=policy, out=out, lang=lang, crew=crew)
        except ValueError as exc:
            fail(str(exc))
    console.print(f"Wrote {len(files)} files to {out}/ in {time.monotonic() - t0:.1f} s")


def sample_dir() -> Path:
    return Path(str(resources.files("data") / "sample"))


def demo_command(
    out: Annotated[Path, typer.Option(help="Folder for the demo database and outputs.")] = Path("demo-output"),
    time_limit: Annotated[float, typer.Option(help="Solver seconds.")] = 20.0,
    lang: Annotated[str, typer.Option(help="Route sheet language: id or en.")] = "id",
) -> None:
    """Load the bundled sample region into a new SQLite file, plan the next day, publish, write route sheets.

    Example: dispatch demo --out demo-output --time-limit 20
    """
    from dispatch.io.importing.crews import import_crews
    from dispatch.io.importing.rows import ImportErrors
    from dispatch.io.importing.shifts import import_shifts
    from dispatch.io.importing.tickets import import_tickets
    from dispatch.io.importing.zones import import_zones

    src = sample_dir()
    out.mkdir(parents=True, exist_ok=True)
    db = out / "dispatch.db"
    if db.exists():
        db.unlink()
    shutil.copy(src / "dispatch.toml", out / "dispatch.toml")
    policy = load_policy(src / "dispatch.toml")
    engine = open_engine(f"sqlite:///{db}")
    console.print(f"Sample region from {src}")
    try:
        with session_scope(engine) as session:
            for what, run in (
                ("crews", lambda: import_crews(session, src / "crews.csv")),
                ("shifts", lambda: import_shifts(session, src / "shifts.csv", policy=policy)),
                ("zones", lambda: import_zones(session, src / "zones.geojson")),
                ("tickets", lambda: import_tickets(session, src / "tickets.csv", policy=policy)),
            ):
                report = run()
                console.print(f"  imported {report.accepted} {what}")
    except ImportErrors as exc:
        fail(["the bundled sample did not import:", *exc.errors], warnings=exc.warnings)
    with session_scope(engine) as session:
        first = session.exec(select(TicketRow.reported_at).order_by(TicketRow.reported_at.desc())).first()  # type: ignore[union-attr]
    day = first.astimezone(ZoneInfo(policy.region.timezone)).date() + dt.timedelta(days=1) if first else dt.date.today()
    doc = run_plan(engine=engine, day=day, policy=policy, time_limit=time_limit, reproducible=False)
    with session_scope(engine) as session:
        row = session.get(PlanRow, doc["plan_id"])
        publish(session, row=row, now=dt.datetime.now(dt.UTC))  # type: ignore[arg-type]
    doc["status"] = "published"
    render_plan(doc)
    (out / "plan.json").write_text(json.dumps(doc, indent=2, ensure_ascii=False), encoding="utf-8")
    t0 = time.monotonic()
    with session_scope(engine) as session:
        files = write_plan_sheets(session, doc=doc, policy=policy, out=out / "sheets", lang=lang, crew=None)
    console.print(
        f"\nOutputs in {out}/: database dispatch.db, plan.json, and {len(files)} route sheet files in "
        f"{out}/sheets/ (index.html, index.pdf, one PDF/HTML/CSV/GeoJSON per crew), written in "
        f"{time.monotonic() - t0:.1f} s.\nExplore: DISPATCH_DATABASE_URL=sqlite:///{db} dispatch plan show --date {day}"
    )
