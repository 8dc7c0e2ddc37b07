"""Load on `dispatch serve`: many crews' phones reporting at once, on SQLite and on PostgreSQL.

One load process drives ``--crews`` concurrent crew clients (asyncio + httpx), each sending ``--reports``
reports (arrived, then done, stop after stop; all at once, or ``--think-s`` apart on average) to a real
`dispatch serve` process on a loopback port, and
sending its first report again at the end (a resend must come back as a duplicate). A client whose request
fails (connection refused while the server is down, a 5xx) sends the same report again, as the phone
page does, until it is acknowledged. With ``--kill`` the server is killed (SIGKILL) once half of the
reports are acknowledged and started again on the same port.

Afterwards the database is checked: every acknowledged report stored exactly once, one visit record per
stop, no "database is locked" in the server's log. Printed side by side: the service (reports per second,
p50/p99 latency of acknowledged requests) and a plain baseline, the same reports recorded by the same use
case in this process, one after the other, without HTTP.

    .venv/bin/python bench/serve_load.py                       # 300 crews x 10 reports, SQLite and PostgreSQL
    .venv/bin/python bench/serve_load.py --db sqlite --kill --crews 50 --reports 4 --json

PostgreSQL: ``--pg-url`` (default: $DISPATCH_TEST_DATABASE_URL, else postgresql://postgres@127.0.0.1:5432/test);
the bench works in a schema of its own there, dropped at the end. Figures on a shared machine are "under
shared load".
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: I001
from sqlalchemy import func, text
from sqlalchemy.engine import make_url
from sqlmodel import Session, select

from dispatch.core.plan import Plan, PlanSummary, SummaryCaps
from dispatch.core.route import Route, RouteCaps, RouteSummary, Span, Step, StepType
from dispatch.core.policy import Policy
from dispatch.field.reports import CrewReport, ReportStatus
from dispatch.ledger.publish import publish_plan
from dispatch.planning.persist import save_plan
from dispatch.store.db import make_engine
from dispatch.store.models import CrewMemberRow, CrewRow, ShiftRow, TicketRow
from dispatch.store.models.exposure import VisitRecordRow
from dispatch.store.models.field import CrewReportRow
from dispatch.store.schema import upgrade
from dispatch.usecases.field import issue_links, submit_report

DEPOT = (-6.72, 108.55)


# ------------------------------------------------------------------------------------------- the day


def _plan(day: dt.date, start: dt.datetime, crews: list[str], stops: dict[str, list[str]]) -> Plan:
    routes = []
    for crew in crews:
        at = start
        steps = [Step(StepType.START, DEPOT[0], DEPOT[1], at, at, at, 0, False, 0.0, 0, 0.0)]
        homes, total = 0, 0.0
        for i, tid in enumerate(stops[crew]):
            begin = start + dt.timedelta(minutes=30 + 45 * i)
            homes += 1
            total += 20.0
            done = begin + dt.timedelta(minutes=30)
            steps.append(Step(StepType.VISIT, DEPOT[0] + 0.001 * i, DEPOT[1], begin, begin, done, 500, True, 20.0,
                              homes, total, ticket_id=tid))  # fmt: skip
        end = steps[-1].end
        steps.append(Step(StepType.END, DEPOT[0], DEPOT[1], end, end, end, 500, False, 0.0, homes, total))
        summary = RouteSummary(len(stops[crew]), homes, total, 500 * len(steps), int((end - start).total_seconds()))
        routes.append(
            Route(
                crew,
                f"Regu {crew}",
                (f"{crew}-A", f"{crew}-B"),
                "car",
                (),
                Span(start, end),
                None,
                RouteCaps(99, 9999.0),
                None,
                tuple(steps),
                summary,
            )  # fmt: skip
        )
    n = sum(len(s) for s in stops.values())
    totals = PlanSummary(n, n, 0, {}, {}, {}, len(crews), len(crews), 0, 0, 0.0, None, 0, {}, SummaryCaps(99, 9999.0))
    return Plan(day, "Asia/Jakarta", tuple(routes), (), (), totals)


def build_day(url: str, *, crews: int, stops: int, prefix: str = "") -> tuple[dict[str, str], dict[str, list[str]]]:
    """``crews`` crews on shift now with ``stops`` indoor stops each, the plan published; returns each crew's
    token and stops."""
    engine = make_engine(url)
    now = dt.datetime.now(dt.UTC)
    start = now - dt.timedelta(hours=2)
    day = start.astimezone(dt.timezone(dt.timedelta(hours=7))).date()
    names = [f"{prefix}C{i:03d}" for i in range(crews)]
    plan_stops = {c: [f"{c}-T{j}" for j in range(stops)] for c in names}
    with Session(engine) as session:
        for c in names:
            session.add(CrewRow(crew_id=c, name=f"Regu {c}", depot_lat=DEPOT[0], depot_lon=DEPOT[1]))
        session.flush()
        for c in names:
            for m in (f"{c}-A", f"{c}-B"):
                session.add(CrewMemberRow(member_id=m, crew_id=c))
            session.add(ShiftRow(crew_id=c, date=day, start=start, end=start + dt.timedelta(hours=10)))
            for tid in plan_stops[c]:
                session.add(TicketRow(ticket_id=tid, reported_at=start - dt.timedelta(hours=10), category="no_power",
                                      lat=DEPOT[0], lon=DEPOT[1], priority=2, service_min=30, indoor=True,
                                      imported_at=now, updated_at=now))  # fmt: skip
        session.flush()
        saved = save_plan(session, plan=_plan(day, start, names, plan_stops), objective=0, now=now, time_limit=1,
                          reproducible=True)  # fmt: skip
        publish_plan(session, plan_id=saved.plan_id, now=now)  # type: ignore[arg-type]
        session.commit()
    links = issue_links(engine, day=day, base_url="http://127.0.0.1", now=now)
    engine.dispose()
    return {link.crew_id: link.token for link in links if link.crew_id in plan_stops}, plan_stops


def reports_of(stops: list[str], n: int) -> list[dict[str, object]]:
    """A crew's ``n`` reports: arrived then done, stop after stop."""
    out: list[dict[str, object]] = []
    for tid in stops:
        for status in ("arrived", "done"):
            if len(out) < n:
                out.append({"report_id": str(uuid.uuid4()), "ticket_id": tid, "status": status})
    return out


# ------------------------------------------------------------------------------------------- server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(url: str, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DISPATCH_DATABASE_URL": url}
    code = "import sys; from cli import main; sys.argv[0] = 'dispatch'; main()"
    handle = log.open("ab")
    proc = subprocess.Popen([sys.executable, "-c", code, "serve", "--port", str(port), "--log-level", "warning"],
                            cwd=ROOT, env=env, stdout=handle, stderr=handle)  # fmt: skip
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"dispatch serve exited {proc.returncode}: {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("dispatch serve did not answer within 120 s")


# ------------------------------------------------------------------------------------------- load


@dataclass
class Load:
    acked: set[str] = field(default_factory=set)
    latencies: list[float] = field(default_factory=list)
    retries: int = 0
    duplicates_answered: int = 0
    refused: list[str] = field(default_factory=list)


async def crew_client(client: httpx.AsyncClient, base: str, token: str, reports: list[dict[str, object]],
                      load: Load, think_s: float) -> None:  # fmt: skip
    headers = {"Authorization": f"Bearer {token}"}
    sent = []
    rng = random.Random(token)
    for report in reports:
        if think_s:  # a crew between two reports: 0 to twice the mean
            await asyncio.sleep(rng.uniform(0, 2 * think_s))
        body = {**report, "at": dt.datetime.now(dt.UTC).isoformat()}
        sent.append(body)
        await _send(client, base, headers, body, load)
    await _send(client, base, headers, sent[0], load, resend=True)


async def _send(client: httpx.AsyncClient, base: str, headers: dict[str, str], body: dict[str, object], load: Load,
                *, resend: bool = False) -> None:  # fmt: skip
    while True:
        t0 = time.perf_counter()
        try:
            res = await client.post(f"{base}/api/reports", json=body, headers=headers)
        except httpx.HTTPError:
            load.retries += 1
            await asyncio.sleep(0.2)
            continue
        if res.status_code >= 500:
            load.retries += 1
            await asyncio.sleep(0.2)
            continue
        if res.status_code != 200:
            load.refused.append(f"{res.status_code} {res.text}")
            return
        load.latencies.append(time.perf_counter() - t0)
        if res.json()["duplicate"]:
            load.duplicates_answered += 1
        if not resend:
            load.acked.add(str(body["report_id"]))
        return


async def drive(base: str, plan: dict[str, tuple[str, list[dict[str, object]]]], load: Load,
                kill: tuple[int, subprocess.Popen[bytes], Path, str] | None,
                think_s: float = 0.0) -> tuple[float, float | None]:  # fmt: skip
    """Run every client at once; with ``kill``, SIGKILL the server at half-way and restart it.
    Returns the wall time and when (seconds in) the server was killed."""
    limits = httpx.Limits(max_connections=len(plan) + 10, max_keepalive_connections=len(plan) + 10)
    total = sum(len(r) for _, r in plan.values())
    killed_at = None
    async with httpx.AsyncClient(limits=limits, timeout=httpx.Timeout(60.0)) as client:
        t0 = time.perf_counter()
        tasks = [asyncio.create_task(crew_client(client, base, token, reports, load, think_s))
                 for token, reports in plan.values()]  # fmt: skip
        if kill is not None:
            port, proc, log, url = kill
            while len(load.acked) < total // 2:
                await asyncio.sleep(0.02)
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            killed_at = time.perf_counter() - t0
            restarted = await asyncio.to_thread(start_server, url, port, log)
            kill = (port, restarted, log, url)
        await asyncio.gather(*tasks)
        wall = time.perf_counter() - t0
    if kill is not None:
        kill[1].terminate()
    return wall, killed_at


def check(url: str, load: Load, *, reports: int, visits: int, log: Path) -> dict[str, int]:
    """What the database holds against what was acknowledged."""
    engine = make_engine(url)
    with Session(engine) as session:
        stored = session.exec(select(CrewReportRow.report_id)).all()
        n_visits = session.exec(select(func.count()).select_from(VisitRecordRow)).one()
        per_stop = session.exec(
            select(VisitRecordRow.crew_id, VisitRecordRow.ticket_id, func.count())
            .group_by(VisitRecordRow.crew_id, VisitRecordRow.ticket_id)
            .having(func.count() > 1)
        ).all()
    engine.dispose()
    logged = log.read_text(encoding="utf-8", errors="replace")
    return {
        "reports_sent": reports,
        "acknowledged": len(load.acked),
        "stored": len(stored),
        "lost": len(load.acked - set(stored)),
        "duplicated": len(stored) - len(set(stored)) + len(per_stop),
        "visit_records": n_visits,
        "visit_records_expected": visits,
        "resends_answered_duplicate": load.duplicates_answered,
        "refused": len(load.refused),
        "database_is_locked": logged.lower().count("database is locked"),
        "retries": load.retries,
    }


def baseline(url: str, *, crews: int, n: int, policy: Policy) -> dict[str, float]:
    """The same reports through the same use case in this process, one after the other, no HTTP."""
    stops = (n + 1) // 2
    tokens, plan_stops = build_day(url, crews=crews, stops=stops, prefix="B")
    engine = make_engine(url)
    latencies = []
    t0 = time.perf_counter()
    for crew, token in tokens.items():
        for r in reports_of(plan_stops[crew], n):
            report = CrewReport(str(r["report_id"]), str(r["ticket_id"]), ReportStatus(str(r["status"])),
                                dt.datetime.now(dt.UTC))  # fmt: skip
            s = time.perf_counter()
            submit_report(engine, token=token, report=report, now=dt.datetime.now(dt.UTC), policy=policy)
            latencies.append(time.perf_counter() - s)
    wall = time.perf_counter() - t0
    engine.dispose()
    return {"reports_per_s": len(latencies) / wall, "p50_ms": _pct(latencies, 50), "p99_ms": _pct(latencies, 99)}


def _pct(values: list[float], p: int) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0] * 1000
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1] * 1000


# ------------------------------------------------------------------------------------------- databases


def sqlite_url(folder: Path) -> str:
    return f"sqlite:///{folder / 'serve-load.db'}"


def postgres_url(base: str) -> tuple[str, str]:
    schema = f"serve_load_{os.getpid()}"
    admin = make_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)
    return url, schema


def drop_schema(base: str, schema: str) -> None:
    admin = make_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    admin.dispose()


def run(url: str, *, crews: int, n: int, kill: bool, with_baseline: bool, folder: Path,
        think_s: float = 0.0) -> dict[str, object]:  # fmt: skip
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    tokens, plan_stops = build_day(url, crews=crews, stops=(n + 1) // 2)
    plan = {c: (tokens[c], reports_of(plan_stops[c], n)) for c in tokens}
    port = free_port()
    log = folder / f"serve-{make_url(url).get_backend_name()}.log"
    proc = start_server(url, port, log)
    load = Load()
    try:
        wall, killed_at = asyncio.run(
            drive(f"http://127.0.0.1:{port}", plan, load, (port, proc, log, url) if kill else None, think_s)
        )
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=30)
    sent = sum(len(r) for _, r in plan.values())
    stops_reported = sum(len({r["ticket_id"] for r in rs if r["status"] == "done"}) for _, rs in plan.values())
    result: dict[str, object] = {
        "database": make_url(url).get_backend_name(),
        "crews": crews,
        "reports_per_crew": n,
        "think_s": think_s,
        "killed_at_s": round(killed_at, 2) if killed_at is not None else None,
        "service": {
            "reports_per_s": round(sent / wall, 1),
            "p50_ms": round(_pct(load.latencies, 50), 1),
            "p99_ms": round(_pct(load.latencies, 99), 1),
            "wall_s": round(wall, 2),
        },
        "check": check(url, load, reports=sent, visits=stops_reported, log=log),
    }
    if with_baseline:
        plain = baseline(url, crews=crews, n=n, policy=Policy())
        result["baseline_in_process"] = {k: round(v, 1) for k, v in plain.items()}
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--crews", type=int, default=300, help="concurrent crew clients (default 300)")
    parser.add_argument("--reports", type=int, default=10, help="reports per crew (default 10)")
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--pg-url", default=os.environ.get("DISPATCH_TEST_DATABASE_URL")
                        or "postgresql://postgres@127.0.0.1:5432/test")  # fmt: skip
    parser.add_argument("--kill", action="store_true", help="SIGKILL the server half-way and restart it")
    parser.add_argument("--think-s", type=float, default=0.0,
                        help="mean seconds a crew waits between reports (default 0: all at once, a burst)")  # fmt: skip
    parser.add_argument("--no-baseline", action="store_true", help="skip the in-process baseline")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="serve-load-") as scratch:
        folder = Path(scratch)
        for db in ["sqlite", "postgresql"] if args.db == "both" else [args.db]:
            if db == "sqlite":
                url, schema = sqlite_url(folder), None
            else:
                url, schema = postgres_url(args.pg_url)
            try:
                results.append(run(url, crews=args.crews, n=args.reports, kill=args.kill, think_s=args.think_s,
                                   with_baseline=not args.no_baseline, folder=folder))  # fmt: skip
            finally:
                if schema is not None:
                    drop_schema(args.pg_url, schema)
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        for r in results:
            s, c = r["service"], r["check"]
            killed = f", server SIGKILLed at {r['killed_at_s']} s and restarted" if r["killed_at_s"] else ""
            pace = f", a crew waits {r['think_s']} s on average between reports" if r["think_s"] else ", all at once"
            print(f"== {r['database']}: {r['crews']} crews x {r['reports_per_crew']} reports{pace}{killed}")
            print(f"  service (HTTP, {r['crews']} concurrent):  {s['reports_per_s']:8.1f} reports/s  "
                  f"p50 {s['p50_ms']:7.1f} ms  p99 {s['p99_ms']:7.1f} ms  ({s['wall_s']} s)")  # fmt: skip
            if "baseline_in_process" in r:
                b = r["baseline_in_process"]
                print(f"  baseline (same use case, in process, one at a time): {b['reports_per_s']:8.1f} reports/s  "
                      f"p50 {b['p50_ms']:7.1f} ms  p99 {b['p99_ms']:7.1f} ms")  # fmt: skip
            print("  " + ", ".join(f"{k} {v}" for k, v in c.items()))
    bad = [r for r in results if r["check"]["lost"] or r["check"]["duplicated"] or r["check"]["database_is_locked"]
           or r["check"]["stored"] != r["check"]["reports_sent"] or r["check"]["refused"]]  # fmt: skip
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
