"""A running day for the crew service, made around the real clock: two crews on shift now, a published
plan, their links; and `dispatch serve` started for real (uvicorn) on a free localhost port."""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from dispatch.core.plan import Plan, Revision
from dispatch.intraday.compare import compare_plans
from dispatch.ledger.publish import publish_plan
from dispatch.planning.persist import save_plan
from dispatch.store.models import CrewMemberRow, CrewRow, ShiftRow, TicketRow
from dispatch.usecases.field import issue_links
from tests.dispatch.plans import Visit, plan, route

ROOT = Path(__file__).resolve().parents[3]
TZ = ZoneInfo("Asia/Jakarta")
DEPOT = (-6.72, 108.55)
# Ticket -> (crew, indoor, household risk, phone). T02's household is isolating: no page may say so.
STOPS = {
    "T01": ("C01", True, "none", "0812-1111-0001"),
    "T02": ("C01", True, "isolating", "0812-1111-0002"),
    "T03": ("C01", False, "none", ""),
    "T04": ("C01", True, "suspected", "0812-1111-0004"),
    "T05": ("C02", True, "none", "0812-2222-0005"),
    "T06": ("C02", False, "none", "0812-2222-0006"),
}


@dataclass(frozen=True)
class Day:
    """The running day: its date, when the shifts started, the published plan, each crew's token."""

    day: dt.date
    start: dt.datetime
    plan: Plan
    tokens: dict[str, str]


def _visits(crew: str, start: dt.datetime, tickets: list[str]) -> list[Visit]:
    out = []
    for i, tid in enumerate(tickets):
        begin = start + dt.timedelta(minutes=60 + 50 * i)
        indoor = STOPS[tid][1] if tid in STOPS else False
        out.append(Visit(tid, DEPOT[0] + 0.01 * i, DEPOT[1] + 0.01 * i, begin, begin + dt.timedelta(minutes=40),
                         indoor=indoor, exposure_min=30.0 if indoor else 0.0))  # fmt: skip
    return out


def routes_of(start: dt.datetime, assignment: dict[str, list[str]]) -> Plan:
    """An unsaved plan of the day: each crew's tickets in order."""
    day = start.astimezone(TZ).date()
    return plan(
        day,
        [route(c, (f"{c}-M1", f"{c}-M2"), _visits(c, start, ts), depot=DEPOT) for c, ts in sorted(assignment.items())],
    )


def save_and_publish(engine: Engine, new: Plan, *, parent: Plan | None = None) -> Plan:
    """Save ``new`` (as a revision of ``parent`` if given, with what changed) and publish it."""
    now = dt.datetime.now(dt.UTC)
    if parent is not None:
        changes = compare_plans(parent, new, frozen=set())
        new = new.with_(
            revision_of=Revision(parent.plan_id, now, False, changes, (), {}, ()),
        )
    with Session(engine, expire_on_commit=False) as session:
        saved = save_plan(session, plan=new, objective=0, now=now, time_limit=1.0, reproducible=True)
        publish_plan(session, plan_id=saved.plan_id, now=now)  # type: ignore[arg-type]
        session.commit()
    return saved


@pytest.fixture
def running_day(engine: Engine) -> Day:
    """Crews C01 (T01-T04) and C02 (T05, T06) on a shift from 3 h ago to 5 h ahead, plan published, links issued."""
    now = dt.datetime.now(dt.UTC)
    start = (now - dt.timedelta(hours=3)).replace(second=0, microsecond=0)
    day = start.astimezone(TZ).date()
    with Session(engine) as session:
        for crew in ("C01", "C02"):
            session.add(CrewRow(crew_id=crew, name=f"Regu {crew}", depot_lat=DEPOT[0], depot_lon=DEPOT[1]))
        session.flush()
        for crew in ("C01", "C02"):
            for m in (f"{crew}-M1", f"{crew}-M2"):
                session.add(CrewMemberRow(member_id=m, crew_id=crew))
            session.add(ShiftRow(crew_id=crew, date=day, start=start, end=start + dt.timedelta(hours=8)))
        for tid, (_, indoor, risk, phone) in STOPS.items():
            session.add(
                TicketRow(
                    ticket_id=tid,
                    reported_at=start - dt.timedelta(hours=12),
                    category="no_power",
                    lat=DEPOT[0],
                    lon=DEPOT[1],
                    priority=2,
                    service_min=40,
                    indoor=indoor,
                    household_risk=risk,
                    address=f"Jl. Uji {tid}",
                    customer_name=f"Pelanggan {tid}",
                    phone=phone,
                    imported_at=now,
                    updated_at=now,
                )  # fmt: skip
            )
        session.commit()
    assignment: dict[str, list[str]] = {}
    for tid, (crew, *_rest) in STOPS.items():
        assignment.setdefault(crew, []).append(tid)
    saved = save_and_publish(engine, routes_of(start, assignment))
    links = issue_links(engine, day=day, base_url="http://127.0.0.1", now=now)
    return Day(day, start, saved, {link.crew_id: link.token for link in links})


# How long a server may take to answer: imports and the first database check take a second when the machine is
# quiet, much longer on a loaded 2-core CI machine.
STARTUP_S = 120


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    """A `dispatch serve` process: its base URL and what it logged."""

    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def logged(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def start_server(database_url: str, log: Path, *, poll_s: float = 1.0, lang: str = "id") -> Server:
    """Start `dispatch serve` on a free port against ``database_url``; returns once it answers."""
    port = free_port()
    env = {**os.environ, "DISPATCH_DATABASE_URL": database_url}
    code = "import sys; from cli import main; sys.argv[0] = 'dispatch'; main()"
    args = ["serve", "--port", str(port), "--poll-seconds", str(poll_s), "--lang", lang, "--log-level", "info"]
    handle = log.open("ab")
    process = subprocess.Popen([sys.executable, "-c", code, *args], cwd=ROOT, env=env, stdout=handle, stderr=handle)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + STARTUP_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"dispatch serve exited {process.returncode}: {log.read_text()}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return Server(url, process, log)
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"dispatch serve did not answer within {STARTUP_S} s: {log.read_text()}")


@pytest.fixture
def server(database_url: str, running_day: Day, tmp_path: Path) -> Iterator[Server]:
    """`dispatch serve` on the running day's database (SQLite file, or PostgreSQL when the suite runs on it)."""
    srv = start_server(database_url, tmp_path / "serve.log")
    yield srv
    srv.process.terminate()
    try:
        srv.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        srv.process.kill()
