"""What every command shares: the options, the database, the policy, error reporting, plan rendering."""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, NoReturn
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from dispatch.core.policy import Policy, PolicyError
from dispatch.store.db import create_schema, database_url, make_engine, session_scope

# Soft wrap: long messages stay one line (for grep and pipes); tables still fit the terminal.
console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)

PolicyOption = Annotated[
    Path | None,
    typer.Option(
        "--policy",
        help="Policy file (dispatch.toml). Default: $DISPATCH_POLICY, else ./dispatch.toml if present, "
        "else the built-in defaults.",
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for machines instead of tables.")]


def fail(
    problems: str | Sequence[str],
    *,
    as_json: bool = False,
    warnings: Sequence[str] = (),
    summary: str | None = None,
    code: int = 1,
) -> NoReturn:
    """Stop the command with exit ``code``: the warnings, each problem as ``error: ...`` and the summary
    line on stderr; with ``as_json`` also ``{"ok": false, "errors": [...], "warnings": [...]}`` on stdout."""
    lines = [problems] if isinstance(problems, str) else list(problems)
    for warning in warnings:
        err_console.print(f"warning: {warning}", markup=False)
    for line in lines:
        err_console.print(f"error: {line}", markup=False)
    if summary:
        err_console.print(summary, markup=False)
    if as_json:
        print_json({"ok": False, "errors": lines, "warnings": list(warnings)})
    raise typer.Exit(code=code)


def database_problem(exc: SQLAlchemyError) -> str:
    """A database error as one problem: its class and the driver's message (with any DETAIL line)."""
    return f"database: {exc.__class__.__name__}: {exc.args[0] if exc.args else exc}"


@contextmanager
def reported(*refusals: type[Exception], as_json: bool = False) -> Iterator[None]:
    """Known failures as ``error:`` lines on stderr and exit 1, never a traceback: the ``refusals``
    (their ``problems`` list if they have one, else their message), a bad policy file, database errors."""
    try:
        yield
    except refusals as exc:
        fail(getattr(exc, "problems", None) or str(exc), as_json=as_json)
    except PolicyError as exc:
        fail(str(exc), as_json=as_json)
    except SQLAlchemyError as exc:
        fail(database_problem(exc), as_json=as_json)


def policy_file(path: Path | None) -> Path | None:
    """The policy file to read: ``path``, else ``$DISPATCH_POLICY``, else ``./dispatch.toml`` if present,
    else None (the built-in defaults)."""
    if path is not None:
        return path
    env = os.environ.get("DISPATCH_POLICY")
    if env:
        return Path(env)
    local = Path("dispatch.toml")
    return local if local.exists() else None


def load_policy(path: Path | None, *, as_json: bool = False) -> Policy:
    """The policy of :func:`policy_file`; a bad file fails the command with the policy's own message."""
    try:
        return Policy.load(policy_file(path))
    except PolicyError as exc:
        fail(str(exc), as_json=as_json)


def open_engine(url: str | None = None, *, existing: bool = False, as_json: bool = False) -> Engine:
    """The database (``url``, else ``$DISPATCH_DATABASE_URL``, else ./dispatch.db) with any missing table
    created empty. ``existing``: a SQLite file that is not there is an error instead of a new empty database."""
    url = url or database_url()
    if existing:
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite" and parsed.database and not Path(parsed.database).exists():
            fail(f"database file {parsed.database} not found: set DISPATCH_DATABASE_URL or import data first")
    try:
        engine = make_engine(url)
        create_schema(engine)
    except Exception as exc:  # a bad URL or an unreachable server: say which, not a traceback
        fail(f"cannot open the database: {exc}", as_json=as_json)
    return engine


@contextmanager
def transaction(*refusals: type[Exception], existing: bool = True) -> Iterator[Session]:
    """One transaction on :func:`open_engine`, committed at the end; on one of the ``refusals`` (or a
    database error) it is rolled back and the command fails with the message. ``existing`` (the default:
    these commands read or change data imported before) refuses to create a new SQLite file."""
    engine = open_engine(existing=existing)
    try:
        with reported(*refusals), session_scope(engine) as session:
            yield session
    finally:
        engine.dispose()


def print_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def parse_time(text: str, *, day: dt.date, tz: ZoneInfo, what: str) -> dt.datetime:
    """``HH:MM`` on ``day``, or an ISO 8601 time (no offset: ``tz``); else the command fails naming ``what``."""
    try:
        if len(text) <= 5:
            return dt.datetime.combine(day, dt.time.fromisoformat(text), tzinfo=tz)
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        fail(f"{what}: {text!r} is not a time (HH:MM, or 2026-11-30T09:10, or 2026-11-30T09:10+07:00)")
    return value if value.tzinfo is not None else value.replace(tzinfo=tz)


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
        members = next((r["members"] for r in doc["routes"] if r["crew_id"] == worst["crew_id"]), [])
        console.print(
            f"Worst exposure per worker: {', '.join(members) or 'members'} of crew {worst['crew_id']}, "
            f"{worst['homes_entered']} homes, "
            f"{worst['exposure_min']:.0f} weighted min (caps {s['caps']['max_homes_per_shift']} homes, "
            f"{s['caps']['max_exposure_min_per_shift']:.0f} min per shift)"
        )
