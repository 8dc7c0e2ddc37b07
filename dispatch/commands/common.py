"""What every command shares: the database, the policy, error reporting, plan rendering."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine

from dispatch.db import create_schema, make_engine
from dispatch.policy import Policy, PolicyError

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)

PolicyOption = Annotated[
    Path | None,
    typer.Option(help="Policy file (dispatch.toml). Default: $DISPATCH_POLICY, else ./dispatch.toml if present."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for machines instead of tables.")]


def fail(message: str, *, code: int = 1) -> NoReturn:
    err_console.print(f"error: {message}", markup=False)
    raise typer.Exit(code=code)


def load_policy(path: Path | None) -> Policy:
    if path is None:
        env = os.environ.get("DISPATCH_POLICY")
        if env:
            path = Path(env)
        elif Path("dispatch.toml").exists():
            path = Path("dispatch.toml")
    try:
        return Policy.load(path)
    except PolicyError as exc:
        fail(str(exc))


def open_engine(url: str | None = None) -> Engine:
    try:
        engine = make_engine(url)
        create_schema(engine)
    except Exception as exc:  # a bad URL or an unreachable server: say which, not a traceback
        fail(f"cannot open the database: {exc}")
    return engine


def print_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def _hhmm(iso: str) -> str:
    return iso[11:16]


def render_plan(doc: dict[str, Any], *, unassigned_limit: int = 15) -> None:
    """The dispatcher's view of a plan: crews, served by priority, unassigned with reasons, exposure."""
    s = doc["summary"]
    console.print(
        f"[bold]Plan {doc['date']}[/bold] version {doc.get('version', '-')} ({doc['status']}), "
        f"plan id {doc.get('plan_id')}: {s['served']} of {s['tickets']} tickets served, "
        f"{s['crews_used']} of {s['crews_on_shift']} crews used, {s['distance_m'] / 1000:.1f} km"
    )
    routes = Table(title="Routes", title_justify="left")
    for col in ("crew", "members", "shift", "visits", "homes", "exposure min", "km", "first - last"):
        routes.add_column(col, justify="right" if col in ("visits", "homes", "exposure min", "km") else "left")
    for r in doc["routes"]:
        visits = [st for st in r["steps"] if st["type"] == "visit"]
        caps = r.get("caps", {})
        span = f"{_hhmm(visits[0]['arrival'])} - {_hhmm(visits[-1]['end'])}" if visits else "-"
        routes.add_row(
            r["crew_id"] + (" (outdoor only)" if r.get("outdoor_only") else ""),
            ", ".join(r["members"]),
            f"{_hhmm(r['shift']['start'])}-{_hhmm(r['shift']['end'])}",
            str(r["summary"]["visits"]),
            f"{r['summary']['homes_entered']}/{caps.get('max_homes', '-')}",
            f"{r['summary']['exposure_min']:.0f}/{caps.get('max_exposure_min', 0):.0f}",
            f"{r['summary']['distance_m'] / 1000:.1f}",
            span,
        )
    console.print(routes)
    by_p = Table(title="Tickets by priority", title_justify="left")
    for col in ("priority", "served", "unassigned", "within response target"):
        by_p.add_column(col, justify="right")
    for p in ("1", "2", "3", "4"):
        w = s["within_target_by_priority"][p]
        by_p.add_row(
            f"P{p}",
            str(s["served_by_priority"][p]),
            str(s["unassigned_by_priority"][p]),
            f"{w['within']}/{w['served']}",
        )
    console.print(by_p)
    if s["unassigned_by_reason"]:
        console.print("Unassigned by reason: " + ", ".join(f"{k} {v}" for k, v in s["unassigned_by_reason"].items()))
        table = Table(title=f"Most urgent unassigned (first {unassigned_limit})", title_justify="left")
        for col in ("ticket", "reason", "detail"):
            table.add_column(col)
        for u in doc["unassigned"][:unassigned_limit]:
            table.add_row(u["ticket_id"], u["reason"], u["detail"])
        console.print(table)
    for c in doc.get("crews_not_dispatched", []):
        console.print(f"Crew {c['crew_id']} not dispatched: {c['reason']}")
    worst = s.get("worst_exposure")
    if worst:
        console.print(
            f"Worst exposure per worker: crew {worst['crew_id']} members, {worst['homes_entered']} homes, "
            f"{worst['exposure_min']:.0f} weighted min (caps {s['caps']['max_homes_per_shift']} homes, "
            f"{s['caps']['max_exposure_min_per_shift']:.0f} min per shift)"
        )
