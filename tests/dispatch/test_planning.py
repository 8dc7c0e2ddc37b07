"""The nightly plan end to end: import, plan, save, show, publish, on both databases."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import select
from typer.testing import CliRunner

from cli import app
from dispatch.core.policy import Policy
from dispatch.io.importing.crews import import_crews
from dispatch.io.importing.shifts import import_shifts
from dispatch.io.importing.tickets import import_tickets
from dispatch.io.importing.zones import import_zones
from dispatch.planning.inputs import load_inputs
from dispatch.planning.nightly import make_plan
from dispatch.sample.region import generate_region
from dispatch.store.db import session_scope
from dispatch.store.locks import exclusive
from dispatch.store.models.plans import PlanRow, PlanUnassignedRow, PlanVisitRow
from dispatch.store.models.tickets import TicketRow
from dispatch.usecases.nightly import plan_lock
from tests.dispatch.plan_checker import check_plan

DAY = dt.date(2026, 11, 30)
runner = CliRunner()


@pytest.fixture
def region(tmp_path: Path) -> Path:
    """A small generated region (40 tickets, 4 crews) written as the five input files."""
    out = tmp_path / "region"
    generate_region(n_tickets=40, n_crews=4, day=DAY, seed=3).write(out)
    return out


@pytest.fixture
def loaded(engine, region: Path) -> Policy:
    """The small region imported into the test database; returns its policy."""
    policy = Policy.load(region / "dispatch.toml")
    with session_scope(engine) as s:
        import_crews(s, region / "crews.csv")
        import_shifts(s, region / "shifts.csv", policy=policy)
        import_zones(s, region / "zones.geojson")
        import_tickets(s, region / "tickets.csv", policy=policy)
    return policy


def _cli(database_url: str, *args: str):
    return runner.invoke(app, list(args), env={"DISPATCH_DATABASE_URL": database_url, "DISPATCH_POLICY": ""})


def _counts(engine) -> dict[str, int]:
    with session_scope(engine) as s:
        return {
            "plans": len(s.exec(select(PlanRow)).all()),
            "visits": len(s.exec(select(PlanVisitRow)).all()),
            "unassigned": len(s.exec(select(PlanUnassignedRow)).all()),
            "reasons": len(s.exec(select(TicketRow).where(TicketRow.unassigned_reason.is_not(None))).all()),  # type: ignore[union-attr]
        }


def test_plan_passes_independent_checker(engine, loaded: Policy) -> None:
    """A reproducible plan of the sample region keeps every promise the independent checker recomputes."""
    with session_scope(engine) as s:
        inputs = load_inputs(s, day=DAY, policy=loaded)
    doc = make_plan(inputs, loaded, reproducible=True, workers=1).plan.to_json()
    assert check_plan(doc, inputs, loaded) == []
    assert doc["summary"]["served"] > 0
    assert doc["summary"]["served"] + doc["summary"]["unassigned"] == len(inputs.tickets)


def test_checker_catches_a_broken_plan(engine, loaded: Policy) -> None:
    """The checker is not a rubber stamp: a dropped ticket and a too-fast leg are both reported."""
    with session_scope(engine) as s:
        inputs = load_inputs(s, day=DAY, policy=loaded)
    doc = make_plan(inputs, loaded, reproducible=True, workers=1).plan.to_json()
    route = next(r for r in doc["routes"] if r["summary"]["visits"] >= 2)
    visits = [st for st in route["steps"] if st["type"] == "visit"]
    visits[1]["arrival"] = visits[0]["end"]
    gone = doc["unassigned"].pop()
    problems = check_plan(doc, inputs, loaded)
    assert any("faster than the travel model" in p for p in problems)
    assert any(gone["ticket_id"] in p and "0 times" in p for p in problems)


def test_plan_command_round_trip(engine, loaded: Policy, database_url: str) -> None:
    """`dispatch plan --json` saves a draft that `plan show --json` returns unchanged, and publish marks it."""
    result = _cli(database_url, "plan", "--date", "2026-11-30", "--reproducible", "--json")
    assert result.exit_code == 0, result.output
    saved = json.loads(result.stdout)
    shown = json.loads(_cli(database_url, "plan", "show", "--date", "2026-11-30", "--json").stdout)
    assert shown == saved
    assert saved["status"] == "draft" and saved["version"] == 1
    assert _cli(database_url, "plan", "publish", "--date", "2026-11-30").exit_code == 0
    shown = json.loads(_cli(database_url, "plan", "show", "--date", "2026-11-30", "--published", "--json").stdout)
    assert shown["status"] == "published"
    counts = _counts(engine)
    assert counts["visits"] == saved["summary"]["served"]
    assert counts["unassigned"] == counts["reasons"] == saved["summary"]["unassigned"]


def test_reproducible_plans_are_identical(engine, loaded: Policy) -> None:
    """Two reproducible runs on the same inputs give the same routes, times and reasons."""
    with session_scope(engine) as s:
        inputs = load_inputs(s, day=DAY, policy=loaded)
    a = make_plan(inputs, loaded, reproducible=True).plan.to_json()
    b = make_plan(inputs, loaded, reproducible=True).plan.to_json()
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def test_unassigned_tickets_keep_their_reason(engine, loaded: Policy, database_url: str) -> None:
    """A ticket the plan cannot place stays open with its reason, ready for the next night."""
    with session_scope(engine) as s:
        row = s.exec(select(TicketRow)).first()
        row.skills = "hv"  # no crew has it
        s.add(row)
        tid = row.ticket_id
    assert _cli(database_url, "plan", "--date", "2026-11-30", "--reproducible", "--json").exit_code == 0
    with session_scope(engine) as s:
        row = s.get(TicketRow, tid)
        assert row.status == "open"
        assert row.unassigned_reason == "no_skilled_crew"
        assert "hv" in row.unassigned_detail


def test_plan_without_shifts_fails_clearly(engine, database_url: str, region: Path) -> None:
    """Planning a day no crew works is refused with a message on stderr and a non-zero exit."""
    policy = Policy.load(region / "dispatch.toml")
    with session_scope(engine) as s:
        import_crews(s, region / "crews.csv")
        import_tickets(s, region / "tickets.csv", policy=policy)
    result = _cli(database_url, "plan", "--date", "2030-01-01")
    assert result.exit_code == 1
    assert "no crew has a shift" in result.stderr
    assert _counts(engine)["plans"] == 0


def _plan_process(database_url: str, time_limit: str) -> subprocess.Popen:
    env = {**os.environ, "DISPATCH_DATABASE_URL": database_url, "DISPATCH_POLICY": ""}
    return subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from cli import main; main()",
            "plan",
            "--date",
            "2026-11-30",
            "--time-limit",
            time_limit,
            "--json",
        ],
        env=env,
        # A shell that runs the suite in the background ignores SIGINT, and children inherit that.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_interrupted_plan_leaves_database_unchanged(engine, loaded: Policy, database_url: str) -> None:
    """Ctrl-C in the middle of the search saves nothing: the database is exactly as before."""
    before = _counts(engine)
    others = _advisory_locks(engine)  # PostgreSQL: locks other processes on the server hold already
    proc = _plan_process(database_url, "30")
    deadline = time.monotonic() + 60  # a loaded machine starts Python slowly: wait for the run, not a guess
    while not _plan_lock_held(engine, others):
        assert proc.poll() is None and time.monotonic() < deadline, "the run never took the lock"
        time.sleep(0.1)
    time.sleep(2)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode != 0
    assert "nothing was saved" in err
    assert _counts(engine) == before


def _advisory_locks(engine) -> int:
    """PostgreSQL: the advisory locks held on the server (0 on SQLite)."""
    if engine.dialect.name != "postgresql":
        return 0
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'")).scalar() or 0)


def _plan_lock_held(engine, others: int = 0) -> bool:
    """Whether some process holds a plan lock, observed without touching the lock itself (on PostgreSQL:
    more advisory locks than the ``others`` held before the run started)."""
    if engine.dialect.name == "postgresql":
        return _advisory_locks(engine) > others
    lock = Path(engine.url.database + ".plan_2026-11-30.lock")
    if not lock.exists():
        return False
    inode = f":{lock.stat().st_ino} "
    return any(inode in line for line in Path("/proc/locks").read_text().splitlines())


def test_concurrent_plans_do_not_corrupt(engine, loaded: Policy, database_url: str) -> None:
    """A plan run for a date another run is planning stops at once with a clear message, saving nothing;
    once the other run ends, the next run plans."""
    with exclusive(engine, plan_lock(DAY)):  # another run holds the day (as a real run would)
        refused = _plan_process(database_url, "4")
        out, err = refused.communicate(timeout=120)
        assert refused.returncode == 1, err
        assert "already running" in err
    assert _counts(engine)["plans"] == 0
    after = _plan_process(database_url, "2")
    out, err = after.communicate(timeout=120)
    assert after.returncode == 0, err
    assert _counts(engine)["plans"] == 1


def test_ticket_without_coordinates_is_reported_not_dropped(engine, loaded: Policy, database_url: str) -> None:
    """An open ticket that still waits for geocoding is named in the plan and on stderr, never silently lost."""
    with session_scope(engine) as s:
        row = s.exec(select(TicketRow)).first()
        row.lat = row.lon = None
        s.add(row)
        tid = row.ticket_id
    result = _cli(database_url, "plan", "--date", "2026-11-30", "--reproducible", "--json")
    assert result.exit_code == 0, result.output
    assert tid in json.loads(result.stdout)["unlocated_tickets"]
    assert tid in result.stderr and "no coordinates" in result.stderr


def test_large_region_parts_merge_neighbouring_depots() -> None:
    """Above the per-solve limit, two small offices 2 km apart share a part; one 30 km away keeps its own."""
    from dispatch.core.domain import Category, Crew, PlanInputs, Shift, Ticket
    from dispatch.planning.split import split_inputs

    day = dt.date(2026, 11, 30)
    tz = dt.timezone(dt.timedelta(hours=7))
    offices = {"A": (-6.70, 108.55), "B": (-6.70, 108.568), "C": (-6.70, 108.82)}
    crews = tuple(Crew(f"C{o}", f"Regu {o}", *where, members=(f"M{o}1", f"M{o}2")) for o, where in offices.items())
    shifts = tuple(
        Shift(c.crew_id, day, dt.datetime(2026, 11, 30, 8, tzinfo=tz), dt.datetime(2026, 11, 30, 16, tzinfo=tz))
        for c in crews
    )
    count = {"A": 2, "B": 2, "C": 6}
    tickets = tuple(
        Ticket(f"T{o}{k}", dt.datetime(2026, 11, 29, 20, tzinfo=tz), Category.METER, lat + 0.002 * k, lon, 4)
        for o, (lat, lon) in offices.items()
        for k in range(count[o])
    )
    inputs = PlanInputs(day=day, tickets=tickets, crews=crews, shifts=shifts)
    # 10 tickets above a limit of 8: parts are merged up to half the limit, 4 tickets.
    parts = split_inputs(inputs, Policy().with_overrides({"solver.max_tickets_per_solve": 8}))
    assert sorted(sorted(c.crew_id for c in p.crews) for p in parts) == [["CA", "CB"], ["CC"]]
    assert sorted(len(p.tickets) for p in parts) == [4, 6]
