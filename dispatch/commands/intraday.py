"""``dispatch replan``, ``dispatch crews position`` and ``dispatch tickets eta``: the running day."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import typer

from dispatch.commands.common import (
    JobsOption,
    JsonOption,
    PolicyOption,
    SchedulerOption,
    check_coordinate,
    check_lang,
    check_seconds,
    cluster_for,
    console,
    fail,
    load_policy,
    open_engine,
    parse_time,
    parts_status,
    print_json,
    reported,
    transaction,
)
from dispatch.intraday.answer import NotPlanned, ticket_answer
from dispatch.intraday.model import IntradayError
from dispatch.intraday.persist import record_position
from dispatch.io.sheets import SheetError
from dispatch.io.sheets.i18n import Labels
from dispatch.runtime.files import OutputError
from dispatch.store.locks import PlanLockedError
from dispatch.store.writable import ReadOnlyDatabaseError
from dispatch.usecases.replan import ReplanRun, run_replan

crews_app = typer.Typer(
    help="Crews during the day.\n\nExample: dispatch crews position C03 --lat -6.73 --lon 108.55", no_args_is_help=True
)
tickets_app = typer.Typer(
    help="Tickets: what a customer is told.\n\nExample: dispatch tickets eta CRB-2026-000123", no_args_is_help=True
)


def replan_command(
    date: Annotated[dt.datetime, typer.Option("--date", formats=["%Y-%m-%d"], help="The running day (YYYY-MM-DD).")],
    at: Annotated[str | None, typer.Option("--at", help="Re-plan as of HH:MM (default: now).")] = None,
    time_limit: Annotated[
        float,
        typer.Option(callback=check_seconds, help="Solver seconds (6 s keeps a 1,000-ticket re-plan under 10 s)."),
    ] = 6.0,
    reproducible: Annotated[bool, typer.Option(help="Fixed search work: identical output on every run.")] = False,
    end_shift: Annotated[
        list[str] | None,
        typer.Option(
            "--end-shift",
            help="CREW=HH:MM: the crew's shift now ends then, earlier (gone home sick) or later (overtime you "
            "authorise); kept by later re-plans; repeatable.",
        ),
    ] = None,
    storm: Annotated[bool, typer.Option("--storm", help="Storm mode for this re-plan (policy storm.enabled).")] = False,
    overtime: Annotated[
        bool,
        typer.Option(
            "--overtime/--no-overtime",
            help="Let the re-plan extend a shift by itself to reach a hazard (policy response.emergency_overtime_min); "
            "--end-shift always wins.",
        ),
    ] = True,
    out: Annotated[Path | None, typer.Option(help="Rewrite the changed crews' route sheets in this folder.")] = None,
    lang: Annotated[
        str, typer.Option(callback=check_lang, help="Language of the output and of the route sheets: id or en.")
    ] = "id",
    publish: Annotated[bool, typer.Option(help="Publish the revision to the crews.")] = True,
    policy_path: PolicyOption = None,
    scheduler: SchedulerOption = None,
    jobs: JobsOption = None,
    as_json: JsonOption = False,
) -> None:
    """Re-plan the rest of a running day: done and under-way visits stay, new tickets go in, routes stay stable.

    A region's parts are solved side by side on Dask (a local cluster, or --scheduler).

    Example: dispatch replan --date 2026-11-30 --at 10:30 --end-shift C03=11:00 --no-overtime --out sheets/
    """
    day = date.date()
    policy = load_policy(policy_path)
    if storm:
        policy = policy.with_overrides({"storm.enabled": True})
    tz = ZoneInfo(policy.region.timezone)
    now = dt.datetime.now(dt.UTC)
    when = parse_time(at, day=day, tz=tz, what="--at") if at else now.astimezone(tz)
    cuts = _end_shift_cuts(end_shift or [], day=day, tz=tz)
    engine = open_engine(existing=True)
    try:
        with reported(*_REFUSALS), parts_status(f"re-planning {day} at {when:%H:%M}", show=not as_json) as on_part:
            run = run_replan(
                engine=engine,
                day=day,
                at=when,
                policy=policy,
                now=now,
                time_limit=time_limit,
                reproducible=reproducible,
                end_shift=cuts,
                publish=publish,
                sheets_out=out,
                lang=lang,
                overtime=overtime,
                cluster=cluster_for(scheduler, jobs),
                on_part=on_part,
            )
    finally:
        engine.dispose()
    if as_json:
        print_json(_replan_json(run, when))
    else:
        _print_replan(run, when, tz=tz, out=out, lang=lang)
        _print_unconfirmed(run, when, labels=Labels(lang, tz))
        _print_not_done(run, labels=Labels(lang, tz))


def _end_shift_cuts(items: list[str], *, day: dt.date, tz: ZoneInfo) -> dict[str, dt.datetime]:
    """--end-shift CREW=HH:MM options as each crew's new shift end on ``day``; a malformed one fails."""
    cuts: dict[str, dt.datetime] = {}
    for item in items:
        crew, sep, hhmm = item.partition("=")
        if not sep or not crew.strip():
            fail(f"--end-shift {item!r}: expected CREW=HH:MM, e.g. C03=11:00")
        cuts[crew.strip()] = parse_time(hhmm.strip(), day=day, tz=tz, what=f"--end-shift {crew}")
    return cuts


def _replan_json(run: ReplanRun, when: dt.datetime) -> dict[str, Any]:
    """What ``replan --json`` prints: the revision's id and status, what changed, the forecast, the summary."""
    plan, replan = run.plan, run.replan
    doc = plan.to_json()
    return {
        "plan_id": plan.plan_id,
        "version": plan.version,
        "parent_id": run.parent_id,
        "as_of": when.isoformat(),
        "status": plan.status,
        "solve_s": replan.solve_s,
        "stops_changed": replan.stops_changed,
        "changed_crews": replan.changed_crews,
        "changes": doc["changes"],
        # The silence rule: per crew, stops planned before --at with no report, kept as planned.
        "unconfirmed": {c: ch.unconfirmed for c, ch in sorted(replan.changes.items()) if ch.unconfirmed},
        "response_forecast": doc["response_forecast"],
        "notes": doc["notes"],
        # Stops reported not done today and what the re-plan did with each (offered again, next day, flagged).
        "not_done": doc.get("not_done", []),
        "sheets_written": [str(f) for f in run.sheets],
        "summary": doc["summary"],
    }


def _print_replan(run: ReplanRun, when: dt.datetime, *, tz: ZoneInfo, out: Path | None, lang: str) -> None:
    """The dispatcher's view of a re-plan, in ``lang``: per crew what changed, notes, the P1 forecast."""
    plan, replan, files = run.plan, run.replan, run.sheets
    t = Labels(lang, tz)
    headline = t("view.revision", version=plan.version, date=plan.date, time=t.time(when), plan_id=plan.plan_id,
                 parent=run.parent_id, status=t.status(plan.status), seconds=t.number(replan.solve_s, digits=1),
                 stops=replan.stops_changed)  # fmt: skip
    console.print(f"[bold]{headline}[/bold]")
    for crew, ch in sorted(replan.changes.items()):
        if ch.changed:
            console.print(f"  {crew}: {t.crew_change(ch)}", markup=False)
    unchanged = [c for c, ch in replan.changes.items() if not ch.changed]
    if unchanged:
        console.print("  " + t("view.unchanged", crews=", ".join(sorted(unchanged))), markup=False)
    hazards = {f.ticket_id for f in replan.forecast}
    for crew, ch in sorted(replan.changes.items()):
        for ticket, reason in sorted(ch.dropped_why.items()):
            if reason != "closed":
                key = "cli.promise_dropped_emergency" if ticket in hazards else "cli.promise_dropped"
                console.print("  " + t(key, crew=crew, ticket=ticket, reason=t.reason(reason)), markup=False)
    for note in replan.notes:
        console.print("  " + t("view.note", note=t.note(note)), markup=False)
    if replan.forecast:
        console.print(t("view.forecast"))
        for f in replan.forecast:
            eta = t.time(f.arrival) if f.arrival else t("view.not_reached")
            hours = t("view.hours", value=t.number(f.response_h, digits=1)) if f.response_h is not None else "-"
            target = (
                ""
                if f.target_h is None
                else t("view.target", hours=t("view.hours", value=t.number(f.target_h, digits=1)))
            )
            flags = ([t("view.flag_emergency")] if f.emergency else []) + (
                [] if f.within_target else [t("view.flag_late")]
            )
            line = f"  {f.ticket_id}  {f.crew_id or '-':<6} {eta}  {hours} {target}".rstrip()
            console.print("  ".join([line, *flags]), markup=False)
    if out is not None:
        crews = ", ".join(replan.changed_crews) or t("view.no_crew")
        console.print(t("view.rewrote", count=len(files), out=out, crews=crews), markup=False)


def _print_unconfirmed(run: ReplanRun, when: dt.datetime, *, labels: Labels) -> None:
    """Per crew, how many stops planned before ``when`` nobody reported (kept with the crew as planned)."""
    counts = {c: ch.unconfirmed for c, ch in sorted(run.replan.changes.items()) if ch.unconfirmed}
    if not counts:
        return
    console.print(labels("cli.unconfirmed_total", count=sum(counts.values()), time=labels.time(when)))
    for crew, n in counts.items():
        console.print("  " + labels("cli.unconfirmed", crew_id=crew, count=n))


def _print_not_done(run: ReplanRun, *, labels: Labels) -> None:
    """Each stop reported not done today and what the re-plan did with it (dispatch.intraday.not_done)."""
    for n in run.replan.revision.not_done:
        console.print(f"  {n.ticket_id}: {labels.not_done(n)}", markup=False)


# What a re-plan refuses with a one-line error.
_REFUSALS = (IntradayError, PlanLockedError, ReadOnlyDatabaseError, OutputError, SheetError)


@crews_app.command("position")
def position_command(
    crew: Annotated[str, typer.Argument(help="Crew id, e.g. C03.")],
    lat: Annotated[float, typer.Option(callback=check_coordinate(-90, 90), help="Latitude (WGS84).")],
    lon: Annotated[float, typer.Option(callback=check_coordinate(-180, 180), help="Longitude (WGS84).")],
    at: Annotated[str | None, typer.Option(help="When: HH:MM today, or an ISO time (default: now).")] = None,
    source: Annotated[str, typer.Option(help="Where it came from: dispatcher, gps, radio.")] = "dispatcher",
    policy_path: PolicyOption = None,
) -> None:
    """Record where a crew is, so the next re-plan starts it from there.

    Example: dispatch crews position C03 --lat -6.7301 --lon 108.5522 --at 10:15
    """
    policy = load_policy(policy_path)
    tz = ZoneInfo(policy.region.timezone)
    now = dt.datetime.now(tz)
    when = parse_time(at, day=now.date(), tz=tz, what="--at") if at else now
    with transaction(IntradayError) as session:
        record_position(session, crew_id=crew, lat=lat, lon=lon, at=when, source=source, now=now, policy=policy)
    console.print(f"Crew {crew} at ({lat:.5f}, {lon:.5f}) at {when.astimezone(tz):%Y-%m-%d %H:%M}.")


@tickets_app.command("eta")
def eta_command(
    ticket: Annotated[str, typer.Argument(help="Ticket id.")],
    lang: Annotated[
        str, typer.Option(callback=check_lang, help="id (Bahasa Indonesia) or en: the language of the answer.")
    ] = "id",
    policy_path: PolicyOption = None,
    as_json: JsonOption = False,
) -> None:
    """The arrival window a customer is told, from the current published revision; a ticket inside a
    wide outage gets the asset job's window and the outage notice; for a ticket the plan leaves
    unassigned, that it is not planned today and why.

    Example: dispatch tickets eta CRB-2026-000123 --json
    """
    policy = load_policy(policy_path)
    tz = ZoneInfo(policy.region.timezone)
    labels = Labels(lang, tz)
    with transaction(IntradayError) as session:
        eta = ticket_answer(session, ticket_id=ticket)
    if as_json:
        print_json(eta.to_json())
        return
    if isinstance(eta, NotPlanned):
        reason = labels.reason(eta.reason)
        detail = labels.unassigned_detail(eta.reason, eta.detail, eta.facts, eta.displaces, eta.not_done)
        if eta.job_ticket_id is not None and labels.words_unassigned(eta.reason, eta.facts):
            detail = labels("cli.eta_asset_job_why", job=eta.job_ticket_id, outage=eta.outage_id, detail=detail)
        if detail:
            reason = labels("cli.eta_not_planned_detail", reason=reason, detail=detail)
        console.print(labels("cli.eta_not_planned", ticket=ticket, date=labels.date(eta.date), reason=reason))
        return
    lo, hi = eta.eta.window_start.astimezone(tz), eta.eta.window_end.astimezone(tz)
    if eta.outage_id is not None:  # the customer's notice, in their language
        console.print(labels("notice.wide_outage", outage=eta.outage_id, asset=eta.asset_id,
                             start=labels.time(lo), end=labels.time(hi)), markup=False)  # fmt: skip
        console.print(labels("cli.eta_asset_job", ticket=ticket, job=eta.job_ticket_id, plan_id=eta.plan_id,
                             version=eta.version), markup=False)  # fmt: skip
        return
    if eta.eta.status == "planned":
        console.print(labels("cli.eta_planned", ticket=ticket, crew=eta.eta.crew_id, start=labels.time(lo),
                             end=labels.time(hi), date=f"{lo:%Y-%m-%d}", stops=eta.eta.stops_before,
                             plan_id=eta.plan_id, version=eta.version), markup=False)  # fmt: skip
    else:
        key = f"cli.eta_status.{eta.eta.status}"
        status = labels(key) if labels.has(key) else eta.eta.status
        console.print(labels("cli.eta_visited", ticket=ticket, crew=eta.eta.crew_id, time=labels.time(lo),
                             status=status), markup=False)  # fmt: skip
