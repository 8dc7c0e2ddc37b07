"""``dispatch visits``, ``dispatch members``, ``dispatch exposure`` and ``dispatch import visits``.

What crews report about their visits, quarantine and cohort moves of crew members, the exposure
report and contact tracing. Each command runs in one transaction: all of it happens, or nothing.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import typer
from rich.table import Table

from dispatch.commands.common import (
    MAX_COUNT,
    MAX_ID,
    JsonOption,
    PolicyOption,
    console,
    err_console,
    fail,
    load_policy,
    parse_time,
    print_json,
    transaction,
)
from dispatch.commands.importing import FileArgument, RejectsOption, run_import
from dispatch.io.importing.visits import import_visits
from dispatch.ledger.base import ExposureError
from dispatch.ledger.chart import write_exposure_chart
from dispatch.ledger.members import list_members, move_member, published_plans_with, quarantine_member
from dispatch.ledger.report import ExposureReport, exposure_report
from dispatch.ledger.trace import trace
from dispatch.ledger.visits import record_visit, visits_on
from dispatch.outages.loop import restore_if_asset_job
from dispatch.runtime.files import OutputError, check_output_file
from dispatch.store.models.exposure import VisitOutcome, VisitRecordRow

visits_app = typer.Typer(
    help="Visits as crews report them: arrived, left, entered the home, outcome.\n\n"
    "Example: dispatch visits record --ticket CRB-2026-000042 --crew C03 --arrived 09:10 --left 09:55 "
    "--entered-home --outcome fixed",
    no_args_is_help=True,
)
members_app = typer.Typer(
    help="Crew members: quarantine, cohort moves, availability and rolling budgets.\n\n"
    "Example: dispatch members quarantine M004 --until 2026-12-10 --reason 'positive test'",
    no_args_is_help=True,
)
exposure_app = typer.Typer(
    help="Exposure per worker over days: the report against the caps, and contact tracing.\n\n"
    "Example: dispatch exposure report --from 2026-11-30 --to 2026-12-06 --png exposure.png",
    no_args_is_help=True,
)

DayOption = Annotated[dt.datetime | None, typer.Option(formats=["%Y-%m-%d"], help="YYYY-MM-DD.")]
MemberArgument = Annotated[str, typer.Argument(help="The member id, e.g. M004.", show_default=False)]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _today(tz: ZoneInfo) -> dt.date:
    return _now().astimezone(tz).date()


def _local(value: dt.datetime | None, tz: ZoneInfo) -> str:
    return value.astimezone(tz).isoformat() if value is not None else ""


def _visit_dict(v: VisitRecordRow, tz: ZoneInfo) -> dict[str, Any]:
    return {
        "visit_id": v.id,
        "ticket_id": v.ticket_id,
        "crew_id": v.crew_id,
        "plan_id": v.plan_id,
        "arrived": _local(v.arrived_at, tz),
        "left": _local(v.left_at, tz) or None,
        "entered_home": v.entered_home,
        "outcome": v.outcome,
        "exposure_min": v.exposure_min,
        "note": v.note,
        "recorded_at": _local(v.recorded_at, tz),
    }


# ------------------------------------------------------------------------------------------- visits


_RECORD_HELP = (
    "Record a visit. fixed closes the ticket; every other outcome (not_home, unsafe, escalated, needs_skill, "
    "needs_material) puts it back in the open pool with "
    "this visit in its history. The actual exposure replaces the planned one in the ledger. Without --left and "
    "--outcome the visit is under way; record it again with them when it ends.\n\n"
    "Example: dispatch visits record --ticket CRB-2026-000042 --crew C03 --arrived 09:10 --left 09:55 "
    "--entered-home --outcome fixed"
)


@visits_app.command("record", help=_RECORD_HELP)
def record_command(
    ticket: Annotated[str, typer.Option("--ticket", help="The ticket visited.", show_default=False)],
    crew: Annotated[str, typer.Option("--crew", help="The crew that visited.", show_default=False)],
    arrived: Annotated[str, typer.Option(help="Arrival: HH:MM today, or an ISO 8601 time.", show_default=False)],
    entered_home: Annotated[
        bool | None,
        typer.Option("--entered-home/--no-entered-home", help="Whether the crew went inside the home (required)."),
    ] = None,
    left: Annotated[str | None, typer.Option(help="Departure; leave out while the visit is under way.")] = None,
    outcome: Annotated[VisitOutcome | None, typer.Option(help="Required with --left.")] = None,
    note: Annotated[str, typer.Option(help="Free text for the ticket's history.")] = "",
    plan_id: Annotated[
        int | None, typer.Option("--plan-id", min=1, max=MAX_ID, help="The plan (default: the published one).")
    ] = None,
    policy_path: PolicyOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record a visit (help: ``_RECORD_HELP``)."""
    if entered_home is None:
        fail("--entered-home or --no-entered-home is required")
    policy = load_policy(policy_path)
    tz = ZoneInfo(policy.region.timezone)
    today = _today(tz)
    arrived_at = parse_time(arrived, day=today, tz=tz, what="--arrived")
    left_at = parse_time(left, day=today, tz=tz, what="--left") if left else None
    with transaction(ExposureError) as session:
        record = record_visit(
            session,
            ticket_id=ticket,
            crew_id=crew,
            arrived_at=arrived_at,
            left_at=left_at,
            entered_home=entered_home,
            outcome=outcome,
            now=_now(),
            plan_id=plan_id,
            note=note,
            policy=policy,
        )
        if record.outcome == VisitOutcome.FIXED.value and record.left_at is not None:  # an asset job: its outage
            restore_if_asset_job(session, ticket_id=ticket, at=record.left_at, now=_now(), policy=policy)
        data = _visit_dict(record, tz)
    if as_json:
        print_json(data)
        return
    state = f"outcome {data['outcome']}" if data["outcome"] else "under way"
    exposure = f", {data['exposure_min']:.1f} weighted min per member" if data["exposure_min"] is not None else ""
    console.print(f"Visit {data['visit_id']} recorded: ticket {ticket}, crew {crew}, {state}{exposure}.")


@visits_app.command("list")
def visits_list_command(
    date: Annotated[dt.datetime, typer.Option("--date", formats=["%Y-%m-%d"], help="The day (YYYY-MM-DD).")],
    crew: Annotated[str | None, typer.Option("--crew", help="Only this crew.")] = None,
    follow: Annotated[
        bool,
        typer.Option("--follow", help="Then keep printing visits as crews report them (one line each; Ctrl-C stops)."),
    ] = False,
    interval: Annotated[float, typer.Option(min=0.2, max=3600, help="Seconds between looks with --follow.")] = 2.0,
    policy_path: PolicyOption = None,
    as_json: JsonOption = False,
) -> None:
    """List the visits of a day (those reported against its plans, a night shift's after midnight included,
    and others by arrival, region time); with --follow, also those recorded afterwards
    (from the crews' phones through `dispatch serve`, or any other way) as they arrive.

    Example: dispatch visits list --date 2026-11-30 --crew C03 --follow
    """
    policy = load_policy(policy_path)
    tz = ZoneInfo(policy.region.timezone)

    def visits(recorded_after: dt.datetime | None = None) -> list[dict[str, Any]]:
        with transaction() as session:
            found = visits_on(session, day=date.date(), tz=tz, crew_id=crew, recorded_after=recorded_after)
            return [_visit_dict(v, tz) for v in found]

    items = visits()
    if follow:
        _follow(items, visits, interval=interval, as_json=as_json)
        return
    if as_json:
        print_json(items)
        return
    table = Table(title=f"Visits on {date.date()}", title_justify="left")
    for heading in _VISIT_COLUMNS:
        table.add_column(heading, justify="right" if heading in ("visit", "exposure min") else "left")
    for it in items:
        table.add_row(*_visit_cells(it))
    console.print(table)


_VISIT_COLUMNS = ("visit", "ticket", "crew", "arrived", "left", "home", "outcome", "exposure min")


def _visit_cells(it: dict[str, Any]) -> list[str]:
    return [
        str(it["visit_id"]),
        it["ticket_id"],
        it["crew_id"],
        it["arrived"][11:16],
        (it["left"] or "")[11:16] or "under way",
        "yes" if it["entered_home"] else "no",
        it["outcome"] or "-",
        f"{it['exposure_min']:.1f}" if it["exposure_min"] is not None else "-",
    ]


def _follow(
    items: list[dict[str, Any]],
    visits: Callable[[dt.datetime | None], list[dict[str, Any]]],
    *,
    interval: float,
    as_json: bool,
) -> None:
    """Print ``items``, then every ``interval`` seconds the visits recorded (or completed) since, one per line:
    JSON lines with --json, else the table's columns separated by two spaces. Each look reaches back
    ``_FOLLOW_OVERLAP`` before the newest record seen (transactions may commit out of their time order) and
    prints only what it has not printed."""
    seen: set[tuple[int, str]] = set()

    def show(batch: list[dict[str, Any]]) -> None:
        for it in batch:
            if (it["visit_id"], it["recorded_at"]) in seen:
                continue
            seen.add((it["visit_id"], it["recorded_at"]))
            typer.echo(json.dumps(it, ensure_ascii=False) if as_json else "  ".join(_visit_cells(it)))

    if not as_json:
        typer.echo("  ".join(_VISIT_COLUMNS))
    show(items)
    newest = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    try:
        while True:
            newest = max([newest, *(dt.datetime.fromisoformat(it["recorded_at"]) for it in items)])
            time.sleep(interval)
            items = visits(newest - _FOLLOW_OVERLAP)
            show(items)
    except KeyboardInterrupt:
        return


_FOLLOW_OVERLAP = dt.timedelta(seconds=30)


def import_visits_command(
    file: FileArgument,
    rejects: RejectsOption = None,
    policy_path: PolicyOption = None,
    as_json: JsonOption = False,
) -> None:
    """Import visit reports (ticket_id, crew_id, arrived, left, entered_home, outcome, optional note and
    plan_id). Rows apply in order of arrival; left and outcome are empty for a visit under way.

    Example: dispatch import visits visits.csv --rejects rejected-visits.csv
    """
    run_import(
        lambda s, p: import_visits(s, file, policy=p, rejects=rejects, now=_now()),
        source=file,
        rejects=rejects,
        policy_path=policy_path,
        as_json=as_json,
    )


# ------------------------------------------------------------------------------------------ members


@members_app.command("quarantine")
def quarantine_command(
    member: MemberArgument,
    until: Annotated[dt.datetime, typer.Option(formats=["%Y-%m-%d"], help="Last day of quarantine (YYYY-MM-DD).")],
    start: Annotated[
        dt.datetime | None, typer.Option("--from", formats=["%Y-%m-%d"], help="First day (default: today).")
    ] = None,
    reason: Annotated[str, typer.Option(help="Shown in plans, e.g. 'positive test'.")] = "",
    policy_path: PolicyOption = None,
    as_json: JsonOption = False,
) -> None:
    """Keep a member off work until a date (included). A crew left with fewer members than the policy
    minimum is not dispatched, and the plan says why. Quarantining again changes the end date.

    Example: dispatch members quarantine M004 --until 2026-12-10 --reason 'positive test'
    """
    policy = load_policy(policy_path)
    with transaction(ExposureError) as session:
        row = quarantine_member(
            session,
            member_id=member,
            until=until.date(),
            reason=reason,
            now=_now(),
            start=start.date() if start else None,
            policy=policy,
        )
        affected = published_plans_with(session, member_id=member, first=row.start, last=row.until)
        data = {
            "member_id": row.member_id,
            "from": row.start.isoformat(),
            "until": row.until.isoformat(),
            "reason": row.reason,
            "published_plans_to_revise": [{"plan_id": p.id, "date": p.plan_date.isoformat()} for p in affected],
        }
    if as_json:
        print_json(data)
        return
    console.print(f"Member {member} quarantined from {data['from']} until {data['until']}.")
    for p in data["published_plans_to_revise"]:
        err_console.print(
            f"warning: the published plan {p['plan_id']} of {p['date']} still routes {member}: "
            f"re-plan that day (dispatch plan --date {p['date']}, or dispatch replan)",
            markup=False,
        )


@members_app.command("move")
def move_command(
    member: MemberArgument,
    to: Annotated[str, typer.Option("--to", help="The crew the member joins.", show_default=False)],
    on: Annotated[
        dt.datetime | None,
        typer.Option("--on", formats=["%Y-%m-%d"], help="First day with the new crew (default: today)."),
    ] = None,
    policy_path: PolicyOption = None,
    as_json: JsonOption = False,
) -> None:
    """Move a member to another crew. Allowed only after the cooling-off period (policy
    exposure.cohort_cooling_off_days) without exposure with the old crew, so cohorts do not mix.

    Example: dispatch members move M004 --to C07
    """
    policy = load_policy(policy_path)
    tz = ZoneInfo(policy.region.timezone)
    day = on.date() if on else _today(tz)
    with transaction(ExposureError) as session:
        move = move_member(session, member_id=member, to_crew=to, on=day, now=_now(), policy=policy)
        data = {"member_id": member, "from_crew": move.from_crew, "to_crew": move.to_crew, "on": day.isoformat()}
    if as_json:
        print_json(data)
        return
    console.print(f"Member {member} moved from crew {data['from_crew']} to {data['to_crew']} from {data['on']}.")


@members_app.command("list")
def members_list_command(
    date: DayOption = None,
    policy_path: PolicyOption = None,
    as_json: JsonOption = False,
) -> None:
    """List members with their crew, quarantine and rolling budget left for a plan of --date (default: today).

    Example: dispatch members list --date 2026-12-01 --json
    """
    policy = load_policy(policy_path)
    day = date.date() if date else _today(ZoneInfo(policy.region.timezone))
    with transaction() as session:
        items = [
            {
                "member_id": m.member_id,
                "crew_id": m.crew_id,
                "active": m.active,
                "unavailable": m.unavailable,
                "homes_left": m.homes_left,
                "exposure_min_left": m.exposure_min_left,
            }
            for m in list_members(session, day=day, policy=policy)
        ]
    if as_json:
        print_json({"date": day.isoformat(), "members": items})
        return
    caps = policy.exposure
    table = Table(
        title=f"Members on {day} (rolling caps {caps.max_homes_7d} homes, {caps.max_exposure_min_7d:g} min "
        f"over {caps.rolling_days} days)",
        title_justify="left",
    )
    for heading in ("member", "crew", "status", "homes left", "minutes left"):
        table.add_column(heading, justify="right" if heading.endswith("left") else "left")
    for it in items:
        status = it["unavailable"] or ("available" if it["active"] else "inactive")
        table.add_row(
            it["member_id"],
            it["crew_id"],
            status,
            "-" if it["homes_left"] is None else str(it["homes_left"]),
            "-" if it["exposure_min_left"] is None else f"{it['exposure_min_left']:.0f}",
        )
    console.print(table)


# ----------------------------------------------------------------------------------------- exposure


def _print_over_caps(report: ExposureReport) -> None:
    """Each crew and day over a cap, once (crew-mates share their figures)."""
    over: dict[tuple[Any, ...], list[str]] = {}
    for r in report.rows:
        if r.over_shift_cap or r.over_rolling_cap:
            key = (r.day, r.crew_id, r.homes, r.exposure_min, r.rolling_homes, r.rolling_exposure_min, r.source,
                   r.over_shift_cap, r.over_rolling_cap)  # fmt: skip
            over.setdefault(key, []).append(r.member_id)
    for (day, crew_id, homes, minutes, r_homes, r_min, source, shift_over, rolling_over), members in sorted(
        over.items(), key=lambda item: (item[0][0], item[0][1])
    ):
        what = []
        if shift_over:
            what.append(f"shift {homes} homes, {minutes:.0f} min")
        if rolling_over:
            what.append(f"rolling {r_homes} homes, {r_min:.0f} min")
        console.print(f"over cap on {day}: {', '.join(members)} ({crew_id}): {'; '.join(what)} ({source})")


@exposure_app.command("report")
def report_command(
    start: Annotated[dt.datetime, typer.Option("--from", formats=["%Y-%m-%d"], help="First day (YYYY-MM-DD).")],
    end: Annotated[dt.datetime, typer.Option("--to", formats=["%Y-%m-%d"], help="Last day (YYYY-MM-DD).")],
    png: Annotated[
        Path | None, typer.Option("--png", help="Also draw each worker's rolling exposure to this PNG.")
    ] = None,
    top: Annotated[
        int, typer.Option(min=1, max=MAX_COUNT, help="Workers shown in the table (all are in --json).")
    ] = 15,
    policy_path: PolicyOption = None,
    as_json: JsonOption = False,
) -> None:
    """Per worker per day: homes entered and weighted minutes against the per-shift caps, and the
    rolling totals against the rolling caps; the highest-exposed workers first.

    Example: dispatch exposure report --from 2026-11-30 --to 2026-12-06 --png exposure.png
    """
    policy = load_policy(policy_path)
    if png is not None:
        try:
            check_output_file(png, what="--png", creates_folder=True)
        except OutputError as exc:
            fail(str(exc), as_json=as_json)
    with transaction(ExposureError) as session:
        report = exposure_report(session, start=start.date(), end=end.date(), policy=policy)
    if png is not None:
        write_exposure_chart(report, png)
    if as_json:
        data = report.to_dict()
        data["png"] = str(png) if png else None
        print_json(data)
        return
    c = report.caps
    table = Table(
        title=f"Exposure {report.start} to {report.end}: caps per shift {c['max_homes_per_shift']} homes, "
        f"{c['max_exposure_min_per_shift']:g} min; per {report.rolling_days} days {c['max_homes_rolling']} homes, "
        f"{c['max_exposure_min_rolling']:g} min",
        title_justify="left",
    )
    for heading in (
        "worker",
        "crew",
        "homes",
        "minutes",
        "peak rolling homes",
        "peak rolling min",
        "of cap",
        "days over",
    ):
        table.add_column(heading, justify="left" if heading in ("worker", "crew") else "right")
    for w in report.workers[:top]:
        table.add_row(
            w.member_id,
            w.crew_id,
            str(w.homes),
            f"{w.exposure_min:.0f}",
            f"{w.peak_rolling_homes}/{c['max_homes_rolling']}",
            f"{w.peak_rolling_exposure_min:.0f}/{c['max_exposure_min_rolling']:g}",
            f"{w.peak_share:.0%}",
            str(w.days_over_cap),
        )
    console.print(table)
    if len(report.workers) > top:
        console.print(f"... and {len(report.workers) - top} more workers (--top N, or --json for all days).")
    _print_over_caps(report)
    if png is not None:
        console.print(f"Chart: {png}")


@exposure_app.command("trace")
def trace_command(
    member: MemberArgument,
    days: Annotated[int, typer.Option(min=1, max=3660, help="How many days back, ending on --until.")] = 14,
    until: DayOption = None,
    policy_path: PolicyOption = None,
    as_json: JsonOption = False,
) -> None:
    """Contact tracing: the households a member visited and the co-workers they shared a crew with.

    Example: dispatch exposure trace M004 --days 14
    """
    policy = load_policy(policy_path)
    last = until.date() if until else _today(ZoneInfo(policy.region.timezone))
    with transaction(ExposureError) as session:
        result = trace(session, member_id=member, days=days, until=last)
    if as_json:
        print_json(result.to_dict())
        return
    homes = Table(
        title=f"Households visited by {member}, {result.first} to {result.until} ({len(result.households)})",
        title_justify="left",
    )
    for heading in ("date", "crew", "ticket"):
        homes.add_column(heading, no_wrap=True)
    homes.add_column("customer", overflow="fold")
    homes.add_column("address", ratio=1)
    homes.add_column("inside")
    for h in result.households:
        homes.add_row(
            h.day.isoformat(),
            h.crew_id,
            h.ticket_id,
            f"{h.customer_name}\n{h.phone}" if h.phone else h.customer_name,
            h.address,
            ("yes" if h.entered_home else "no") + f"\n{h.source}" + (f" ({h.outcome})" if h.outcome else ""),
        )
    console.print(homes)
    mates = Table(title=f"Co-workers shared with ({len(result.coworkers)})", title_justify="left")
    for heading in ("member", "crews", "dates"):
        mates.add_column(heading)
    for c in result.coworkers:
        mates.add_row(c.member_id, ", ".join(c.crews), ", ".join(d.isoformat() for d in c.dates))
    console.print(mates)
