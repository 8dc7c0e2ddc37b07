"""``dispatch outages ...``: the wide outages of a day, for the dispatcher to see, confirm, dismiss,
declare, plan and restore."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import typer
from rich.table import Table

from dispatch.commands.common import (
    JsonOption,
    LangOption,
    PolicyOption,
    console,
    load_policy,
    parse_time,
    print_json,
    transaction,
)
from dispatch.io.sheets.i18n import Labels
from dispatch.outages.loop import restore
from dispatch.outages.marks import OutageError, declare, set_status
from dispatch.store.models.assets import OutageRow, OutageStatus, outages_of_day

outages_app = typer.Typer(
    help="Wide outages: reports grouped by the network into one asset job.\n\n"
    "Example: dispatch outages list --date 2026-11-30",
    no_args_is_help=True,
)
DayOption = Annotated[dt.datetime, typer.Option("--date", formats=["%Y-%m-%d"], help="The day (YYYY-MM-DD).")]
OutageArgument = Annotated[str, typer.Argument(help="The outage id (see `dispatch outages list`).")]
NoteOption = Annotated[str, typer.Option(help="Why, for the outage's history.")]


def _row_json(row: OutageRow) -> dict[str, Any]:
    return {
        "outage_id": row.outage_id,
        "day": row.day.isoformat(),
        "asset_id": row.asset_id,
        "source": row.source,
        "status": row.status,
        "tickets": list(row.ticket_ids()),
        "job_ticket_id": row.job_ticket_id,
        "starts_at": row.starts_at.isoformat() if row.starts_at else None,
        "ends_at": row.ends_at.isoformat() if row.ends_at else None,
        "note": row.note,
    }


@outages_app.command("list")
def list_command(
    date: DayOption, lang: LangOption = "id", policy_path: PolicyOption = None, as_json: JsonOption = False
) -> None:
    """The outages of --date: inferred by a plan, declared, planned, dismissed or restored.

    Example: dispatch outages list --date 2026-11-30 --json
    """
    with transaction() as session:
        items = [_row_json(r) for r in outages_of_day(session, day=date.date())]
    if as_json:
        print_json(items)
        return
    labels = _labels(lang, policy_path)
    if not items:
        console.print(labels("cli.outages_none", date=labels.date(date.date())))
        return
    table = Table(title=labels("cli.outages_title", date=labels.date(date.date())), title_justify="left")
    for col in ("outage", "asset", "source", "status", "tickets", "job", "note"):
        table.add_column(labels(f"cli.outages_col.{col}"), justify="right" if col == "tickets" else "left")
    for it in items:
        table.add_row(it["outage_id"], it["asset_id"], labels(f"outage.source.{it['source']}"),
                      labels(f"outage.status.{it['status']}"), str(len(it["tickets"])), it["job_ticket_id"] or "-",
                      it["note"])  # fmt: skip
    console.print(table)


def _labels(lang: str, policy_path: Path | None) -> Labels:
    return Labels(lang, ZoneInfo(load_policy(policy_path).region.timezone))


def _set(outage: str, status: OutageStatus, note: str, lang: str, as_json: bool) -> None:
    with transaction(OutageError) as session:
        data = _row_json(set_status(session, outage_id=outage, status=status, now=dt.datetime.now(dt.UTC), note=note))
    if as_json:
        print_json(data)
    else:
        labels = _labels(lang, None)
        console.print(labels("cli.outage_set", outage=outage, status=labels(f"outage.status.{status.value}")))


@outages_app.command("confirm")
def confirm_command(
    outage: OutageArgument, note: NoteOption = "", lang: LangOption = "id", as_json: JsonOption = False
) -> None:
    """Confirm an inferred outage: it stays an outage at the next plans whatever the reports.

    Example: dispatch outages confirm OUT-20261130-TR1
    """
    _set(outage, OutageStatus.CONFIRMED, note, lang, as_json)


@outages_app.command("dismiss")
def dismiss_command(
    outage: OutageArgument, note: NoteOption = "", lang: LangOption = "id", as_json: JsonOption = False
) -> None:
    """Dismiss an inferred outage: its asset job closes and its tickets are home visits at the next plan.

    Example: dispatch outages dismiss OUT-20261130-TR1 --note "trafo OK, SCADA"
    """
    _set(outage, OutageStatus.DISMISSED, note, lang, as_json)


@outages_app.command("declare")
def declare_command(
    asset: Annotated[str, typer.Argument(help="The asset the control centre knows is out.")],
    date: DayOption,
    planned: Annotated[bool, typer.Option(help="A planned outage (pemadaman terencana): nobody is sent.")] = False,
    start: Annotated[str | None, typer.Option(help="Planned outages: from HH:MM on --date.")] = None,
    end: Annotated[str | None, typer.Option(help="Planned outages: until HH:MM on --date.")] = None,
    note: NoteOption = "",
    lang: LangOption = "id",
    policy_path: PolicyOption = None,
    as_json: JsonOption = False,
) -> None:
    """Declare an outage the control centre already knows, or enter a planned one: the reports below the
    asset are grouped into it at the next plan (a planned one absorbs them; nobody is sent).

    Example: dispatch outages declare S-CRB-04 --date 2026-11-30 --planned --start 09:00 --end 13:00
    """
    tz = ZoneInfo(load_policy(policy_path).region.timezone)
    day = date.date()
    starts = parse_time(start, day=day, tz=tz, what="--start") if start else None
    ends = parse_time(end, day=day, tz=tz, what="--end") if end else None
    with transaction(OutageError) as session:
        row = declare(session, day=day, asset_id=asset, now=dt.datetime.now(dt.UTC), planned=planned,
                      starts_at=starts, ends_at=ends, note=note)  # fmt: skip
        data = _row_json(row)
    if as_json:
        print_json(data)
    else:
        labels = Labels(lang, tz)
        source = labels(f"outage.source.{data['source']}")
        console.print(labels("cli.outage_declared", outage=data["outage_id"], asset=asset, source=source))


@outages_app.command("restore")
def restore_command(
    outage: OutageArgument,
    at: Annotated[str | None, typer.Option(help="When power came back: HH:MM today or ISO 8601 (default now).")] = None,
    still_dark: Annotated[
        str, typer.Option("--still-dark", help="Tickets (comma-separated) whose customer still has no power.")
    ] = "",
    lang: LangOption = "id",
    policy_path: PolicyOption = None,
    as_json: JsonOption = False,
) -> None:
    """Power is back: the outage's tickets close with a note; those named in --still-dark stay open and
    are planned as home visits. A crew reporting the asset job done does the same.

    Example: dispatch outages restore OUT-20261130-TR1 --at 14:05 --still-dark CRB-000123
    """
    policy = load_policy(policy_path)
    tz = ZoneInfo(policy.region.timezone)
    now = dt.datetime.now(tz)
    when = parse_time(at, day=now.date(), tz=tz, what="--at") if at else now
    dark = [t.strip() for t in still_dark.split(",") if t.strip()]
    with transaction(OutageError) as session:
        done = restore(session, outage_id=outage, at=when, now=now, policy=policy, still_dark=dark)
    if as_json:
        print_json({"outage_id": done.outage_id, "closed": list(done.closed), "still_dark": list(done.still_dark),
                    "note": done.note})  # fmt: skip
    else:
        labels = Labels(lang, tz)
        text = labels("cli.outage_restored", outage=outage, time=labels.time(when), closed=len(done.closed))
        if done.still_dark:
            text += " " + labels("cli.outage_still_dark", tickets=", ".join(done.still_dark))
        console.print(text, markup=False)
