"""The exposure commands: dispatch visits, members, exposure and import visits, on both databases."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from cli import app
from dispatch.store.db import session_scope
from dispatch.store.models.crews import CrewMemberRow
from dispatch.store.models.exposure import QuarantineRow, VisitRecordRow
from dispatch.store.models.tickets import TicketRow
from tests.dispatch.test_exposure import C1, C2, WIB, build, publish

runner = CliRunner()
# Commands use the real clock, and visits in the future are refused: the world lives in the past.
TODAY = dt.datetime.now(WIB).date()
D0 = TODAY - dt.timedelta(days=3)


@pytest.fixture
def world(engine, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The tiny world with a published plan on D0 (C1: T1, T2; C2: T3); returns the database URL."""
    monkeypatch.chdir(tmp_path)  # no ./dispatch.toml: the default policy
    with session_scope(engine) as s:
        build(s, shift_days=(D0,))
        publish(s, D0, {"C1": (C1, [("T1", "09:00", "09:40", True, 24.0), ("T2", "10:00", "10:40", True, 48.0)]),
                        "C2": (C2, [("T3", "09:00", "09:40", True, 24.0)])})  # fmt: skip
    return database_url


def cli(url: str, *args: str):
    return runner.invoke(app, list(args), env={"DISPATCH_DATABASE_URL": url, "DISPATCH_POLICY": ""})


def test_visits_record_closes_a_fixed_ticket_and_refuses_a_second_fix(world: str, engine) -> None:
    """`visits record` stores the visit with its exposure; recording a closed ticket again fails on stderr,
    saying when it closed in the region's time (it said UTC)."""
    day = D0.isoformat()
    args = ["visits", "record", "--ticket", "T1", "--crew", "C1", "--arrived", f"{day}T09:00", "--left", f"{day}T09:50"]
    result = cli(world, *args, "--entered-home", "--outcome", "fixed", "--note", "fuse replaced", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["outcome"], data["exposure_min"], data["entered_home"]) == ("fixed", 30.0, True)
    assert data["arrived"] == f"{day}T09:00:00+07:00"
    again = cli(world, *args, "--entered-home", "--outcome", "fixed")
    assert again.exit_code == 1
    assert f"error: ticket_id: ticket T1 is already closed (fixed at {day}T09:50:00+07:00)" in again.stderr
    missing = cli(world, *args, "--outcome", "fixed")
    assert missing.exit_code == 1 and "--entered-home or --no-entered-home is required" in missing.stderr
    with session_scope(engine) as s:
        assert s.get(TicketRow, "T1").status == "closed"  # type: ignore[union-attr]
        assert len(s.exec(select(VisitRecordRow)).all()) == 1
    listed = cli(world, "visits", "list", "--date", day, "--json")
    assert [v["ticket_id"] for v in json.loads(listed.stdout)] == ["T1"]
    table = cli(world, "visits", "list", "--date", day)
    assert "T1" in table.stdout and "fixed" in table.stdout


def test_members_quarantine_list_and_move(world: str, engine) -> None:
    """Quarantine warns about published plans, shows in `members list`; a move inside the cooling-off fails."""
    result = cli(world, "members", "quarantine", "B1", "--from", D0.isoformat(), "--until", TODAY.isoformat(),
                 "--reason", "positive test")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert f"of {D0} still routes B1: re-plan that day" in result.stderr.replace("\n", " ")
    listed = json.loads(cli(world, "members", "list", "--date", D0.isoformat(), "--json").stdout)
    b1 = next(m for m in listed["members"] if m["member_id"] == "B1")
    assert b1["unavailable"] == f"quarantined until {TODAY} (positive test)"
    a1 = next(m for m in listed["members"] if m["member_id"] == "A1")
    assert (a1["homes_left"], a1["exposure_min_left"]) == (40, 900.0)  # D0's own plan is not counted for D0
    assert "positive test" in cli(world, "members", "list", "--date", D0.isoformat()).stdout

    moved = cli(world, "members", "move", "A3", "--to", "C2", "--on", TODAY.isoformat())
    assert moved.exit_code == 1
    allowed = D0 + dt.timedelta(days=15)
    assert f"so the move is allowed from {allowed}" in moved.stderr.replace("\n", " ")
    ok = cli(world, "members", "move", "A3", "--to", "C2", "--on", allowed.isoformat(), "--json")
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.stdout) == {"member_id": "A3", "from_crew": "C1", "to_crew": "C2", "on": allowed.isoformat()}
    with session_scope(engine) as s:
        assert s.get(CrewMemberRow, "A3").crew_id == "C2"  # type: ignore[union-attr]
        assert len(s.exec(select(QuarantineRow)).all()) == 1


def test_exposure_report_and_trace_commands(world: str, tmp_path: Path) -> None:
    """`exposure report` prints JSON rows and draws the PNG; `exposure trace` lists households and co-workers."""
    png = tmp_path / "out" / "exposure.png"
    result = cli(world, "exposure", "report", "--from", D0.isoformat(), "--to", TODAY.isoformat(), "--png", str(png),
                 "--json")  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [w["member_id"] for w in data["workers"]][:3] == ["A1", "A2", "A3"]
    assert data["rows"][0] == {
        "member_id": "A1", "crew_id": "C1", "day": D0.isoformat(), "homes": 2, "exposure_min": 72.0,
        "source": "planned", "rolling_homes": 2, "rolling_exposure_min": 72.0,
        "over_shift_cap": False, "over_rolling_cap": False,
    }  # fmt: skip
    assert png.read_bytes()[:4] == b"\x89PNG"
    table = cli(world, "exposure", "report", "--from", D0.isoformat(), "--to", TODAY.isoformat())
    assert table.exit_code == 0 and "A1" in table.stdout
    bad = cli(world, "exposure", "report", "--from", TODAY.isoformat(), "--to", D0.isoformat())
    assert bad.exit_code == 1 and "is before --from" in bad.stderr

    traced = cli(world, "exposure", "trace", "A3", "--days", "14", "--until", TODAY.isoformat(), "--json")
    assert traced.exit_code == 0, traced.output
    t = json.loads(traced.stdout)
    assert [h["ticket_id"] for h in t["households"]] == ["T1", "T2"]
    assert [c["member_id"] for c in t["coworkers"]] == ["A1", "A2"]
    shown = cli(world, "exposure", "trace", "A3", "--until", TODAY.isoformat())
    assert "T1" in shown.stdout and "T2" in shown.stdout and "A2" in shown.stdout
    unknown = cli(world, "exposure", "trace", "Z9")
    assert unknown.exit_code == 1 and "no member 'Z9'" in unknown.stderr


def test_import_visits_command(world: str, tmp_path: Path, engine) -> None:
    """`import visits` records a good file; a bad one is refused whole, with FILE:ROW: field messages."""
    day = D0.isoformat()
    good = tmp_path / "visits.csv"
    good.write_text(
        "ticket_id,crew_id,arrived,left,entered_home,outcome,note\n"
        f"T1,C1,{day}T09:00,{day}T09:05,false,not_home,\n"
        f"T3,C2,{day}T09:00,{day}T09:45,true,fixed,\n",
        encoding="utf-8",
    )
    result = cli(world, "import", "visits", str(good), "--json")
    assert result.exit_code == 0, result.output
    assert (json.loads(result.stdout)["inserted"], json.loads(result.stdout)["rejected"]) == (2, 0)
    bad = tmp_path / "bad.csv"
    bad.write_text(f"ticket_id,crew_id,arrived,left,entered_home,outcome\nT3,C2,{day}T11:00,{day}T11:30,no,fixed\n")
    refused = cli(world, "import", "visits", str(bad))
    assert refused.exit_code == 1
    assert f"{bad}:2: ticket_id: ticket T3 is already closed" in refused.stderr
    assert "nothing imported" in refused.stderr
    with session_scope(engine) as s:
        assert len(s.exec(select(VisitRecordRow)).all()) == 2
